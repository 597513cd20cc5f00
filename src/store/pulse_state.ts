/**
 * The pulse's own state (SPEC §2 "pulse bookkeeping"), read once when a beat starts and written
 * once when it ends: .last-tick-hash (the world the last decide saw), .tick-backoff (decides
 * failed in a row), .last-decide.json (that world's signals, for WHAT CHANGED) and .pulse.json
 * (once-only notices, the unmetered streak). Each is read against its schema.
 */
import type { PulseState } from "../core/guards.ts";
import { BackoffSchema, PulseNotesSchema, WorldViewSchema } from "../core/schemas.ts";
import { readTextIfExists, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";
import { readStateFile, type StateRead } from "./read.ts";

/** A nudge (next_interval_s) is stored as a hash no world has, so the next beat decides. */
export const NUDGE = "nudge";

export type { PulseState };
type Key = keyof PulseState;

/** A state file that did not parse: what it now counts as is said in `means`. */
export type CorruptState = { file: string; error: string; means: string };
export type PulseStateRead = { state: PulseState; corrupt: CorruptState[] };

const files = (dd: DataDir): Record<Key, string> => ({
  lastHash: dd.lastTickHash,
  backoff: dd.tickBackoff,
  lastDecide: `${dd.root}/.last-decide.json`,
  notes: `${dd.root}/.pulse.json`,
});

/** What a corrupt file counts as (never as absent where that would lose something). */
const MEANS: Record<Key, string> = {
  lastHash: "the world counts as changed",
  backoff: "counted as one failed decide",
  lastDecide: "WHAT CHANGED starts over",
  notes: "its once-only notices may repeat once",
};

const isHash = (s: string) => s === NUDGE || /^[0-9a-f]{64}$/.test(s);

export async function readPulseState(dd: DataDir, now: Date): Promise<PulseStateRead> {
  const f = files(dd);
  const corrupt: CorruptState[] = [];
  const take = <T>(key: Key, r: StateRead<T>): T | undefined => {
    if (r.kind === "parsed") return r.value;
    if (r.kind === "corrupt") corrupt.push({ file: f[key], error: r.error, means: MEANS[key] });
    return undefined;
  };
  const hashText = (await readTextIfExists(f.lastHash))?.trim();
  const lastHash = hashText && isHash(hashText)
    ? hashText
    : take<string>("lastHash", hashText ? { kind: "corrupt", error: "not a world hash" } : { kind: "absent" });
  const [backoff, lastDecide, notes] = await Promise.all([
    readStateFile(f.backoff, BackoffSchema),
    readStateFile(f.lastDecide, WorldViewSchema),
    readStateFile(f.notes, PulseNotesSchema),
  ]);
  const state: PulseState = {
    lastHash,
    backoff: take("backoff", backoff),
    lastDecide: take("lastDecide", lastDecide),
    notes: take("notes", notes) ?? {},
  };
  // A torn backoff file must not reset the backoff: it counts as one failure, on a world unknown.
  if (backoff.kind === "corrupt") {
    state.backoff = { failures: 1, hash: "", ts: now.toISOString(), reason: `${f.backoff} was corrupt` };
  }
  return { state, corrupt };
}

/** The notes that every beat may change: a power cut losing one beat of them loses only counts. */
const COUNTERS = new Set(["today", "flap", "sensor_ran"]);

function onlyCounters(before: PulseState["notes"], after: PulseState["notes"]): boolean {
  const rest = (n: PulseState["notes"]) =>
    JSON.stringify(Object.entries(n).filter(([k, v]) => !COUNTERS.has(k) && v !== undefined).sort());
  return rest(before) === rest(after);
}

/** Write what the beat changed (and every file that was corrupt); the hash last, as the commit. */
export async function writePulseState(dd: DataDir, read: PulseStateRead, after: PulseState): Promise<void> {
  const f = files(dd);
  const wasCorrupt = new Set(read.corrupt.map((c) => c.file));
  for (const key of ["notes", "backoff", "lastDecide", "lastHash"] as const) {
    const value = after[key];
    if (!wasCorrupt.has(f[key]) && JSON.stringify(value) === JSON.stringify(read.state[key])) continue;
    if (value === undefined) await removeIfExists(f[key]);
    else if (key === "lastHash") await writeFileAtomic(f[key], value + "\n");
    else {
      // Most beats change only the notes' counters (receipts, flapping, sensor runs): still atomic,
      // but not worth an fsync every beat; anything else in them is written durably.
      const durable = key !== "notes" || wasCorrupt.has(f[key]) || !onlyCounters(read.state.notes, after.notes);
      await writeFileAtomic(f[key], JSON.stringify(value) + "\n", 0o644, { durable });
    }
  }
}
