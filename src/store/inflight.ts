/**
 * sessions/pulse/decide.json: the decide in flight (its run, runner, since when, and the runner's
 * pid with its start time once it runs). `_ state` shows it; a pulse started after one that died
 * mid-decide finds the runner it left behind by it. Read without zod (`_ state`'s fast path).
 */
import type { DecideFlight } from "../core/schemas.ts";
import { ensureDir, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";
import { checked, readStateFile, type Schema, type StateRead } from "./read.ts";
import { PULSE_ID, sessionFiles } from "./sessions.ts";

const path = (dd: DataDir) => sessionFiles(dd, PULSE_ID).decide;

function isFlight(v: unknown): v is DecideFlight {
  const f = v as DecideFlight;
  return !!f && typeof f === "object" && typeof f.run_id === "string" && /^[\w-]+$/.test(f.run_id) &&
    typeof f.runner === "string" &&
    typeof f.since === "string" && (f.pid === undefined || Number.isInteger(f.pid));
}

const FLIGHT = checked("a decide record", isFlight);

/**
 * The decide in flight, as recorded. `schema`: the orphan reaper, which signals the pid it names,
 * reads it against DecideFlightSchema (core/schemas.ts); `_ state` with the hand check.
 */
export function readDecideFlight(dd: DataDir, schema: Schema<DecideFlight> = FLIGHT): Promise<StateRead<DecideFlight>> {
  return readStateFile(path(dd), schema);
}

export async function writeDecideFlight(dd: DataDir, f: DecideFlight): Promise<void> {
  await ensureDir(sessionFiles(dd, PULSE_ID).dir, 0o700);
  await writeFileAtomic(path(dd), JSON.stringify(f) + "\n", 0o600);
}

export async function clearDecideFlight(dd: DataDir): Promise<void> {
  await removeIfExists(path(dd));
}
