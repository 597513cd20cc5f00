/** First use of a data dir: create its folders and seed the starter files, once. */
import { seedConfigText } from "../core/presets.ts";
import STARTER_PLAYBOOK from "../texts/seed/PLAYBOOK.md" with { type: "text" };
import STARTER_PLAYBOOK_DAILY_GOAL from "../texts/seed/playbook-daily.md" with { type: "text" };
import STARTER_SETUP_GOAL from "../texts/seed/setup.md" with { type: "text" };
import STARTER_TODAY_SENSOR from "../texts/seed/today.sh" with { type: "text" };
import { Exit, LooopError } from "../core/errors.ts";
import { createExclusive, ensureDir, exists, ownedByOther, repairPlaceholder } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/**
 * Make sure the data dir exists with all its folders; on its first use, write every starter file
 * that does not exist. Never overwrites: concurrent first uses are safe.
 */
export async function ensureDataDir(dd: DataDir): Promise<DataDir> {
  checkOwner(dd);
  await ensureDir(dd.root, 0o700);
  for (
    const dir of [
      dd.goalsDir,
      dd.archiveDir,
      dd.sensorsDir,
      dd.schedulesDir,
      dd.snapshotsDir,
      dd.reportsDir,
      dd.sessionsDir,
    ]
  ) {
    await ensureDir(dir);
  }
  for (const dir of [dd.scratchDir, dd.tmpDir, dd.asksDir, dd.asksDoneDir, dd.answersDir, dd.claimsDir, dd.runsDir]) {
    await ensureDir(dir, 0o700);
  }
  // Left by the sandbox library of an earlier looop on a fresh data dir (an empty read-only file
  // where a protected path did not exist yet): every later append would fail.
  for (const file of [dd.journal, dd.ledger]) repairPlaceholder(file);
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

/**
 * A data dir (or part of one) made by another user, typically an earlier run as root, would make
 * this user's loop fail later on one write or another: refuse at once, saying how to fix it.
 */
function checkOwner(dd: DataDir): void {
  const other = ownedByOther([
    dd.root,
    dd.journal,
    dd.ledger,
    dd.pulseLock,
    dd.playbook,
    dd.goalsDir,
    dd.sensorsDir,
    dd.snapshotsDir,
    dd.sessionsDir,
    dd.runsDir,
    dd.scratchDir,
    dd.asksDir,
    dd.answersDir,
  ]);
  if (!other) return;
  throw new LooopError(
    `${other.path} belongs to uid ${other.uid}, not to you (uid ${other.me}): this data dir was used by another user ` +
      `(an earlier run as root?)`,
    `give it back with: sudo chown -R $(id -u):$(id -g) ${dd.root} — or set LOOOP_DATA_DIR to a dir of your own`,
    Exit.refused,
  );
}
