/**
 * JSONC → value. strip-json-comments turns comments and trailing commas into whitespace, keeping
 * every position, so JSON.parse's "line N column M" points into the original file. Kept apart from
 * the config schema so fast verbs can read a value without loading zod.
 */
import stripJsonComments from "strip-json-comments";
import { LooopError } from "./errors.ts";

/** Parse JSONC text, or throw an error naming file:line:column and what was expected. */
export function parseJsonc(text: string, file: string): unknown {
  try {
    // A byte-order mark (some editors write one) is not JSON, but it is not the user's mistake either.
    return JSON.parse(stripJsonComments(text.replace(/^\uFEFF/, ""), { trailingCommas: true }));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = /line (\d+) column (\d+)/.exec(msg);
    const where = at ? `${file}:${at[1]}:${at[2]}` : file;
    // One line: V8 quotes the start of the text, newlines and all.
    const what = msg.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "")
      .replace(/\s+/g, " ");
    throw new LooopError(`${where}: invalid JSONC: ${what}`, "fix the file, or delete it to get the defaults");
  }
}
