/** The data dir (SPEC §2): where it is, and the path of every kind of file in it. */
import { LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { env } from "../sys/env.ts";
import { guardTree } from "../sys/fs.ts";
import { workingDir } from "../sys/self.ts";

export type DataDir = ReturnType<typeof layout>;

/** The data dir at `root`; from now on no path inside it is used through a link (sys/fs.ts). */
export function layout(root: string, configPath = `${root}/config.json`) {
  guardTree(root);
  return {
    root,
    configPath,
    playbook: `${root}/PLAYBOOK.md`,
    /** the PLAYBOOK's earlier versions, one file each (store/playbook_history.ts) */
    playbookHistoryDir: `${root}/playbook.d`,
    goalsDir: `${root}/goals`,
    archiveDir: `${root}/goals/archive`,
    sensorsDir: `${root}/sensors`,
    snapshotsDir: `${root}/snapshots`,
    journal: `${root}/journal.md`,
    asksDir: `${root}/asks`,
    /** delivered asks move here, so asks/ holds only the open ones */
    asksDoneDir: `${root}/asks/done`,
    answersDir: `${root}/answers`,
    claimsDir: `${root}/claims`,
    /** durable schedules, one JSON file each (store/schedules.ts); only looop writes them */
    schedulesDir: `${root}/schedules`,
    reportsDir: `${root}/reports`,
    ledger: `${root}/cost.jsonl`,
    sessionsDir: `${root}/sessions`,
    runsDir: `${root}/runs`,
    /** the one place in the data dir that sandboxed code (sensors, run_shell) may write */
    scratchDir: `${root}/scratch`,
    /** TMPDIR for sandboxed code, inside scratch/ */
    tmpDir: `${root}/scratch/tmp`,
    /** from source, the launcher workers run as $LOOOP_BIN */
    launcher: `${root}/bin/looop`,
    startLock: `${root}/sessions/.start.lock`,
    pulseLock: `${root}/.lock`,
    lastTickHash: `${root}/.last-tick-hash`,
    configFacts: `${root}/.config-facts.json`,
    tickBackoff: `${root}/.tick-backoff`,
    goalActivity: `${root}/.goal-activity.json`,
    actionWal: `${root}/.action-wal.json`,
    pause: `${root}/pause.json`,
    seeded: `${root}/.seeded`,
    /** Short-lived flocks that serialize read-modify-write of one kind of file. */
    asksLock: `${root}/asks/.lock`,
    claimsLock: `${root}/claims/.lock`,
    activityLock: `${root}/.goal-activity.lock`,
    goal: (id: string) => `${root}/goals/${safeId("goal", id)}.md`,
    archivedGoal: (id: string) => `${root}/goals/archive/${safeId("goal", id)}.md`,
    sensor: (name: string) => `${root}/sensors/${safeId("sensor", name)}.sh`,
    ask: (id: string) => `${root}/asks/${safeId("ask", id)}.json`,
    doneAsk: (id: string) => `${root}/asks/done/${safeId("ask", id)}.json`,
    answer: (id: string) => `${root}/answers/${safeId("ask", id)}.json`,
    claim: (name: string) => `${root}/claims/${safeId("claim", name)}.json`,
    schedule: (name: string) => `${root}/schedules/${safeId("schedule", name)}.json`,
    session: (id: string) => `${root}/sessions/${safeId("session", id)}`,
  };
}

function absolute(path: string): string {
  if (path.startsWith("/")) return path.replace(/\/+$/, "") || "/";
  return `${workingDir()}/${path}`.replace(/\/+$/, "");
}

/** `$LOOOP_DATA_DIR`, else `${XDG_STATE_HOME:-$HOME/.local/state}/looop`; config `$LOOOP_CONFIG`. */
export function resolveDataDir(): DataDir {
  let root = env("LOOOP_DATA_DIR");
  if (!root) {
    const state = env("XDG_STATE_HOME") ?? (env("HOME") ? `${env("HOME")}/.local/state` : undefined);
    if (!state) {
      throw new LooopError("cannot find the data dir: HOME is not set", "set LOOOP_DATA_DIR or HOME");
    }
    root = `${state}/looop`;
  }
  const config = env("LOOOP_CONFIG");
  const dir = absolute(root);
  return layout(dir, config ? absolute(config) : undefined);
}
