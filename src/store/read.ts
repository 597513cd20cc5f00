/**
 * Reading a state file against its schema (STYLE: absent, corrupt and parsed are three answers).
 * A corrupt file is never taken for a missing one: the caller decides what it means.
 */
import { readJson } from "../sys/fs.ts";

/** What a zod schema offers, so this module (and the fast `_ state` path) need not load zod itself. */
export type Schema<T> = {
  safeParse(v: unknown):
    | { success: true; data: T }
    | {
      success: false;
      error: { message: string; issues?: readonly { path: readonly PropertyKey[]; message: string }[] };
    };
};

export type StateRead<T> = { kind: "absent" } | { kind: "corrupt"; error: string } | { kind: "parsed"; value: T };

export async function readStateFile<T>(path: string, schema: Schema<T>): Promise<StateRead<T>> {
  const r = await readJson(path);
  if (r.kind !== "parsed") return r;
  const parsed = schema.safeParse(r.value);
  if (parsed.success) return { kind: "parsed", value: parsed.data };
  // zod's message is its issues as JSON: the first issue, with where, reads as one journal line.
  const issue = parsed.error.issues?.[0];
  const why = issue ? `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}` : parsed.error.message;
  return { kind: "corrupt", error: why.replace(/\s+/g, " ").trim().slice(0, 200) };
}

/**
 * A hand check as a Schema, for the two paths that must not load zod: `_ state` (it would take
 * 1.5x as long) and the session host (it lives as long as its worker). Elsewhere a file is read
 * against its zod schema in core/schemas.ts, the one definition of its format.
 */
export function checked<T>(what: string, is: (v: unknown) => v is T): Schema<T> {
  return {
    safeParse: (v) => is(v) ? { success: true, data: v } : { success: false, error: { message: `not ${what}` } },
  };
}

/** The value of a read, with a corrupt file counted as absent: only for what is shown, never for a decision. */
export function shown<T>(r: StateRead<T>): T | undefined {
  return r.kind === "parsed" ? r.value : undefined;
}
