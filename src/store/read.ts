/**
 * Reading a state file against its schema (STYLE: absent, corrupt and parsed are three answers).
 * A corrupt file is never taken for a missing one: the caller decides what it means.
 */
import { readJson } from "../sys/fs.ts";

/** What a zod schema offers, so this module (and the fast `_ state` path) need not load zod itself. */
export type Schema<T> = {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
};

export type StateRead<T> = { kind: "absent" } | { kind: "corrupt"; error: string } | { kind: "parsed"; value: T };

export async function readStateFile<T>(path: string, schema: Schema<T>): Promise<StateRead<T>> {
  const r = await readJson(path);
  if (r.kind !== "parsed") return r;
  const parsed = schema.safeParse(r.value);
  if (parsed.success) return { kind: "parsed", value: parsed.data };
  return { kind: "corrupt", error: oneLine(parsed.error.message) };
}

/** zod's messages are multi-line JSON; a journal line holds one line. */
function oneLine(message: string): string {
  return message.replace(/\s+/g, " ").trim().slice(0, 300);
}
