/**
 * The bookkeeping `_ state` reads on its fast path (no zod): .config-facts.json (what it needs
 * from the config, keyed by the config text's hash) and the pulse's sandbox note.
 */
import { readJson, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/**
 * What `_ state` shows of .pulse.json (store/pulse_state.ts owns that file): the sandbox as the
 * pulse last found it, and when the decides of the last day ran (the caps count them). Read here
 * without its schema, since `_ state` loads no zod; anything of the wrong type is no note.
 */
export async function readNotesView(dd: DataDir): Promise<{ sandbox?: string; decides: string[] }> {
  const r = await readJson(`${dd.root}/.pulse.json`);
  const v = r.kind === "parsed" && r.value && typeof r.value === "object"
    ? r.value as { sandbox?: unknown; decides?: unknown }
    : {};
  return {
    ...(typeof v.sandbox === "string" ? { sandbox: v.sandbox } : {}),
    decides: Array.isArray(v.decides) ? v.decides.filter((t): t is string => typeof t === "string") : [],
  };
}

/**
 * What `_ state` reads from the config (the budget, or why the file does not parse), stored under
 * the SHA-256 of the config's text so an unchanged config is not parsed again. Only a digest of
 * the text is kept: the config may hold secrets that sensors must not read.
 */
export type ConfigFacts = { sha256: string; budget: number | null; error: string | null };

export async function readConfigFacts(dd: DataDir): Promise<ConfigFacts | undefined> {
  const r = await readJson(dd.configFacts);
  const v = r.kind === "parsed" ? r.value as ConfigFacts | null : undefined;
  // Only a hint: a file that does not look right is parsed again, as if there were none.
  return v && typeof v.sha256 === "string" ? v : undefined;
}

export async function writeConfigFacts(dd: DataDir, facts: ConfigFacts): Promise<void> {
  await writeFileAtomic(dd.configFacts, JSON.stringify(facts) + "\n", 0o600, { durable: false });
}
