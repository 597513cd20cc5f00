/** Safe ids: every goal, sensor, session, claim and ask id is one path segment (SPEC §2). */
import { LooopError } from "./errors.ts";

export const ID_MAX = 64;
const ID_CHARS = /^[A-Za-z0-9._-]+$/;

/** Why `value` is not a safe id, or undefined when it is. */
export function idProblem(value: string): string | undefined {
  if (value.length === 0) return "is empty";
  if (value.length > ID_MAX) return `is ${value.length} characters long (at most ${ID_MAX})`;
  if (value.includes("/") || value.includes("\\")) return "contains a path separator";
  if (value.startsWith(".")) return "starts with '.'";
  if (!ID_CHARS.test(value)) return "has characters outside [A-Za-z0-9._-]";
  return undefined;
}

export function isSafeId(value: string): boolean {
  return idProblem(value) === undefined;
}

/** Returns `value` when it is a safe id; throws a usage error naming the kind otherwise. */
export function safeId(kind: string, value: string): string {
  const problem = idProblem(value);
  if (problem === undefined) return value;
  const shown = JSON.stringify(value.length > 80 ? value.slice(0, 80) + "…" : value);
  throw new LooopError(
    `invalid ${kind} id ${shown}: it ${problem}`,
    `use 1-${ID_MAX} characters of letters, digits, '.', '_' or '-', not starting with '.'`,
  );
}
