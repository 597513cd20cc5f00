/** First use of a data dir: create its folders and seed the starter files, once. */
import { seedConfigText } from "../core/presets.ts";
import {
  STARTER_PLAYBOOK,
  STARTER_PLAYBOOK_DAILY_GOAL,
  STARTER_SETUP_GOAL,
  STARTER_TODAY_SENSOR,
} from "../core/seed.ts";
import { createExclusive, ensureDir, exists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/**
 * Make sure the data dir exists with all its folders; on its first use, write every starter file
 * that does not exist. Never overwrites: concurrent first uses are safe.
 */
export async function ensureDataDir(dd: DataDir): Promise<DataDir> {
  await ensureDir(dd.root, 0o700);
  for (const dir of [dd.goalsDir, dd.archiveDir, dd.sensorsDir, dd.snapshotsDir, dd.reportsDir, dd.sessionsDir]) {
    await ensureDir(dir);
  }
  for (const dir of [dd.tmpDir, dd.asksDir, dd.asksDoneDir, dd.answersDir, dd.claimsDir, dd.runsDir]) {
    await ensureDir(dir, 0o700);
  }
  if (await exists(dd.seeded)) return dd;
  await createExclusive(dd.playbook, STARTER_PLAYBOOK);
  await createExclusive(dd.goal("setup"), STARTER_SETUP_GOAL);
  await createExclusive(dd.goal("playbook-daily"), STARTER_PLAYBOOK_DAILY_GOAL);
  await createExclusive(dd.sensor("today"), STARTER_TODAY_SENSOR, 0o755);
  // A config elsewhere (LOOOP_CONFIG) is the user's file: a missing one means the defaults.
  if (dd.configPath.startsWith(dd.root + "/")) await createExclusive(dd.configPath, seedConfigText());
  await createExclusive(dd.seeded, `${new Date().toISOString()}\n`);
  return dd;
}
