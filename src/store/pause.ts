/**
 * pause.json: the emergency stop (`looop pause`). A file, so a restarted pulse stays paused; read
 * without zod (`_ state` shows it). One that does not parse still pauses: a stop fails safe.
 */
import type { Pause } from "../core/schemas.ts";
import { removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";
import { checked, readStateFile } from "./read.ts";

const PAUSE = checked("a pause record", (v): v is Pause => {
  const p = v as Pause | null;
  return typeof p?.since === "string" && typeof p.reason === "string";
});

/** The pause in force, if any (a corrupt file is a pause whose reason says so). */
export async function readPause(dd: DataDir): Promise<Pause | undefined> {
  const r = await readStateFile(dd.pause, PAUSE);
  if (r.kind === "absent") return undefined;
  return r.kind === "parsed" ? r.value : { since: "?", reason: `pause.json does not parse (${r.error})` };
}

export async function writePause(dd: DataDir, pause: Pause): Promise<void> {
  await writeFileAtomic(dd.pause, JSON.stringify(pause) + "\n");
}

export async function clearPause(dd: DataDir): Promise<void> {
  await removeIfExists(dd.pause);
}
