/** Safe ids: every goal, sensor, session, claim and ask id is one path segment (SPEC §2). */
import { refusalError, refuse } from "./refusal.ts";

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

/** The one phrasing of an id's problem: `goal id "../x" contains a path separator`; undefined for a safe id. */
export function idRefusalReason(kind: string, value: string): string | undefined {
  const problem = idProblem(value);
  if (problem === undefined) return undefined;
  return `${kind} id ${JSON.stringify(value.length > 80 ? value.slice(0, 80) + "…" : value)} ${problem}`;
}

/** Returns `value` when it is a safe id; throws the id refusal (exit 2) naming the kind otherwise. */
export function safeId(kind: string, value: string): string {
  const reason = idRefusalReason(kind, value);
  if (reason === undefined) return value;
  throw refusalError(refuse("id", reason));
}
