/**
 * The pulse's own bookkeeping files: .last-tick-hash (the world the last decide saw),
 * .tick-backoff (consecutive failed decides), .last-decide.json (that world's signals, for WHAT
 * CHANGED), .pulse.json (once-only notices and the unmetered-decide streak) and
 * .config-facts.json (what `_ state` needs from the config, keyed by the config text's hash).
 */
import type { WorldView } from "../core/diff.ts";
import { readJsonIfExists, readTextIfExists, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/** A nudge (next_interval_s) is stored as a hash no world has, so the next beat decides. */
export const NUDGE = "nudge";

export async function readLastTickHash(dd: DataDir): Promise<string | undefined> {
  return (await readTextIfExists(dd.lastTickHash))?.trim() || undefined;
}

export async function writeLastTickHash(dd: DataDir, value: string): Promise<void> {
  await writeFileAtomic(dd.lastTickHash, value + "\n");
}

export type Backoff = { failures: number; hash: string; ts: string; reason: string };

export async function readBackoff(dd: DataDir): Promise<Backoff | undefined> {
  const v = await readJsonIfExists(dd.tickBackoff) as Backoff | undefined;
  return v && typeof v.failures === "number" ? v : undefined;
}

export async function writeBackoff(dd: DataDir, b: Backoff | undefined): Promise<void> {
  if (b === undefined) await removeIfExists(dd.tickBackoff);
  else await writeFileAtomic(dd.tickBackoff, JSON.stringify(b) + "\n");
}

const lastDecidePath = (dd: DataDir) => `${dd.root}/.last-decide.json`;

export async function readLastDecide(dd: DataDir): Promise<WorldView | undefined> {
  return await readJsonIfExists(lastDecidePath(dd)) as WorldView | undefined;
}

export async function writeLastDecide(dd: DataDir, view: WorldView): Promise<void> {
  await writeFileAtomic(lastDecidePath(dd), JSON.stringify(view) + "\n");
}

export type PulseNotes = {
  /** local day on which the budget notice was journaled */
  budget_day?: string;
  unmetered_day?: string;
  /** decides in a row that reported no cost, for this runner config */
  unmetered?: { streak: number; runner: string };
  /** worker id → start time of the run whose exit was journaled */
  reported_exits?: Record<string, string>;
  /** the OS sandbox as the pulse last found it: "on", "on (…)" or "off: <reason>" */
  sandbox?: string;
  /** the last failure journaled, to journal a repeated one only once */
  last_failure_journaled?: string;
};

const notesPath = (dd: DataDir) => `${dd.root}/.pulse.json`;

export async function readNotes(dd: DataDir): Promise<PulseNotes> {
  return ((await readJsonIfExists(notesPath(dd))) as PulseNotes | undefined) ?? {};
}

export async function writeNotes(dd: DataDir, notes: PulseNotes): Promise<void> {
  await writeFileAtomic(notesPath(dd), JSON.stringify(notes) + "\n");
}

/**
 * What `_ state` reads from the config (the budget, or why the file does not parse), stored under
 * the SHA-256 of the config's text so an unchanged config is not parsed again. Only a digest of
 * the text is kept: the config may hold secrets that sensors must not read.
 */
export type ConfigFacts = { sha256: string; budget: number | null; error: string | null };

export async function readConfigFacts(dd: DataDir): Promise<ConfigFacts | undefined> {
  const v = await readJsonIfExists(dd.configFacts) as ConfigFacts | undefined;
  return v && typeof v.sha256 === "string" ? v : undefined;
}

export async function writeConfigFacts(dd: DataDir, facts: ConfigFacts): Promise<void> {
  await writeFileAtomic(dd.configFacts, JSON.stringify(facts) + "\n", 0o600, { durable: false });
}
