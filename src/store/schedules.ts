/**
 * schedules/<name>.json: durable schedules (core/schedules.ts gives their signal). Read against
 * ScheduleSchema: a file that does not parse, or names another schedule, is reported as corrupt,
 * never taken for a missing one and never a crash.
 */
import { isSafeId } from "../core/ids.ts";
import type { ScheduleEntry } from "../core/schedules.ts";
import { type Schedule, ScheduleSchema } from "../core/schemas.ts";
import { ensureDir, listFileNames, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";
import { readStateFile, type StateRead } from "./read.ts";

export async function readSchedule(dd: DataDir, name: string): Promise<StateRead<Schedule>> {
  const r = await readStateFile(dd.schedule(name), ScheduleSchema);
  if (r.kind === "parsed" && r.value.name !== name) {
    return { kind: "corrupt", error: `its name is ${JSON.stringify(r.value.name)}, not its file's name` };
  }
  return r;
}

/**
 * Every schedule, sorted by name. Only plain files named like a schedule are read: a link planted
 * in schedules/ is never opened, and a file whose name is no safe id is left alone.
 */
export async function listSchedules(dd: DataDir): Promise<ScheduleEntry[]> {
  const names = (await listFileNames(dd.schedulesDir, ".json")).map((n) => n.slice(0, -5))
    .filter(isSafeId);
  const out: ScheduleEntry[] = [];
  for (const name of names) {
    const r = await readSchedule(dd, name);
    if (r.kind === "parsed") out.push({ name, schedule: r.value });
    else if (r.kind === "corrupt") out.push({ name, corrupt: r.error });
  }
  return out;
}

export async function writeSchedule(dd: DataDir, s: Schedule): Promise<void> {
  await ensureDir(dd.schedulesDir);
  await writeFileAtomic(dd.schedule(s.name), JSON.stringify(s, null, 2) + "\n");
}

export function removeSchedule(dd: DataDir, name: string): Promise<void> {
  return removeIfExists(dd.schedule(name));
}
