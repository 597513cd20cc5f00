/**
 * The pulse (SPEC §5): beats forever under the single-instance lock. The next beat comes after
 * `interval` (or a move's next_interval_s), at a schedule's next due time when that is sooner, or
 * within a second of a change the pulse can see without sensing: a goal, PLAYBOOK, sensor,
 * schedule or config write, an answer, a worker's exit.
 * SIGTERM/SIGINT end it after the current step; the kernel releases the lock if it dies.
 */
import { type Config } from "../core/config.ts";
import { guardLimits } from "../core/guards.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { ensureDir } from "../sys/fs.ts";
import { type Held, PROBE_GRACE_MS, tryLockExclusive } from "../sys/lock.ts";
import { processStart, selfPid, signalGroupOfGone } from "../sys/process.ts";
import { reapOrphanSandboxes, resetSandbox } from "../sys/sandbox.ts";
import { env } from "../sys/env.ts";
import { runActorGroup, untilAborted, Wakeup } from "../sys/actors.ts";
import { watchUntil } from "../sys/watch.ts";
import { endOrphanDecide } from "../decider/orphan.ts";
import { recordCost } from "../cost/ledger.ts";
import { DEFAULT_SENSOR_LIMITS, type SensorLimits } from "../sensor/run.ts";
import { readPulseState, writePulseState } from "../store/pulse_state.ts";
import { listSchedules } from "../store/schedules.ts";
import { nextWake } from "../core/schedules.ts";
import { appendJournal } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import { PULSE_ID, readSession, sessionFiles, writeExit, writeMeta } from "../store/sessions.ts";
import { type BeatContext, beatContext, type BeatResult, runBeat } from "./beat.ts";
import type { Log } from "../core/log.ts";

const WAKE_DEBOUNCE_MS = 200;

export function sensorLimits(): SensorLimits {
  const n = (v: string | undefined, d: number) => (v && Number(v) > 0 ? Number(v) : d);
  return {
    ...DEFAULT_SENSOR_LIMITS,
    timeoutS: n(env("LOOOP_SENSOR_TIMEOUT"), DEFAULT_SENSOR_LIMITS.timeoutS),
    maxBytes: n(env("LOOOP_SENSOR_MAX_BYTES"), DEFAULT_SENSOR_LIMITS.maxBytes),
  };
}

/** A beat as the pulse and `_ beat` run it: the sensor limits and the guards' settings with their env overrides. */
export function pulseBeatContext(dd: DataDir, config: Config, log: Log, signal?: AbortSignal): BeatContext {
  return beatContext(dd, config, { log, sensors: sensorLimits(), limits: guardLimits(config, env), signal });
}

export function intervalS(config: Config): number {
  const v = Number(env("LOOOP_INTERVAL"));
  return v > 0 ? v : config.interval;
}

/**
 * Take the pulse lock or say who holds it (exit 75). The holder first ends what a SIGKILLed
 * predecessor left running: any sandboxed command (its run_shell is reported, never resumed) and
 * its decide's runner, whose spend is metered and journaled.
 */
export async function takePulseLock(dd: DataDir): Promise<Held> {
  await ensureDir(sessionFiles(dd, PULSE_ID).dir);
  const lock = await tryLockExclusive(dd.pulseLock, PROBE_GRACE_MS);
  if (lock) {
    try {
      await reapOrphanSandboxes(dd.scratchDir);
      await reapOrphanDecide(dd);
    } catch (e) {
      lock.release();
      throw e;
    }
    return lock;
  }
  const { meta } = await readSession(dd, PULSE_ID);
  throw new LooopError(
    `another pulse holds the lock${meta?.pid ? ` (pid ${meta.pid})` : ""}`,
    "stop it with `looop down`, or use another data dir",
    Exit.locked,
  );
}

/** The decide a dead pulse left: its runner ended, its spend recorded, one journal line. */
export async function reapOrphanDecide(dd: DataDir): Promise<string | undefined> {
  const o = await endOrphanDecide(dd);
  if (!o) return undefined;
  const now = new Date();
  if ("corrupt" in o) {
    const line = `decide interrupted: a pulse died during a decide whose record is corrupt (${o.corrupt}); ` +
      `it was removed, and its runner, if one still runs, cannot be named: check for a stray runner process`;
    await appendJournal(dd, now, line);
    return line;
  }
  const { flight } = o;
  if (o.costUsd !== undefined && o.costUsd > 0) {
    await recordCost(dd, { kind: "tick", id: PULSE_ID, runner: flight.runner, usd: o.costUsd, now });
  }
  const what = o.ended
    ? "its runner was still running and was ended"
    : o.stranger
    ? `its runner's pid ${flight.pid} belongs to another process now, left alone`
    : "its runner had ended";
  const spent = o.costUsd === undefined ? "it reported no cost" : `its spend, $${o.costUsd.toFixed(4)}, is recorded`;
  const line =
    `decide interrupted: a pulse died during run ${flight.run_id} (${flight.runner}, since ${flight.since}); ` +
    `${what}; ${spent}`;
  await appendJournal(dd, now, line);
  return line;
}

/** Journal a failure unless it is the one journaled last. */
async function journalOnce(dd: DataDir, text: string): Promise<void> {
  const read = await readPulseState(dd, new Date());
  if (read.state.notes.last_failure_journaled === text) return;
  await appendJournal(dd, new Date(), text);
  await writePulseState(dd, read, { ...read.state, notes: { ...read.state.notes, last_failure_journaled: text } });
}

/**
 * A beat that failed with an error (a broken config, a full disk, a link planted where looop's
 * own folder was) is journaled once, for as long as it fails the same way. Returns the one line.
 */
export async function journalBeatError(dd: DataDir, e: unknown): Promise<string> {
  const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  await journalOnce(dd, `beat failed: ${msg}`).catch(() => {}); // the journal itself may be what broke
  return msg;
}

/** Does a path the watcher reported warrant an early beat? */
export function wakes(dd: DataDir, path: string): boolean {
  const rel = path.startsWith(dd.root + "/") ? path.slice(dd.root.length + 1) : path;
  if (path === dd.configPath) return true;
  return /^(PLAYBOOK\.md|config\.json|pause\.json|goals\/[^/]+\.md|sensors\/[^/]+|schedules\/[^/]+\.json|answers\/[^/]+\.json|sessions\/[^/]+\/exit\.json)$/
    .test(rel);
}

/**
 * How long until the soonest schedule comes due (its signal changes), from the files and the
 * clock: no timer outlives a beat, so a restarted pulse finds the same time. None when nothing is
 * pending, or when schedules/ cannot be read (the beat reports that itself).
 */
export async function msUntilSchedule(dd: DataDir, now: Date): Promise<number | undefined> {
  const next = nextWake(await listSchedules(dd).catch(() => []), now);
  return next === undefined ? undefined : Math.max(0, next.getTime() - now.getTime());
}

export async function runPulse(
  dd: DataDir,
  opts: { loadConfig: () => Promise<Config>; log: Log; command: string },
): Promise<number> {
  // A pulse killed with SIGKILL leaves its helpers (the sandbox's socat bridges) in its process
  // group; the group outlives it only through them, so it is swept before this pulse writes meta.
  const previous = (await readSession(dd, PULSE_ID)).meta;
  const lock = await takePulseLock(dd);
  const me = selfPid();
  if (previous?.pid && previous.pid !== me) {
    await signalGroupOfGone({ pid: previous.pid, start: previous.pid_start }, "SIGKILL");
  }
  const { log } = opts;
  const started = new Date().toISOString();
  const meta = {
    id: PULSE_ID,
    runner: "",
    command: opts.command,
    pid: me,
    pid_start: await processStart(me),
    host_pid: me,
    started,
    state: "running" as "running" | "exited",
    cols: 120,
    rows: 40,
  };
  // At once, so `up` (which waits for a meta newer than its own start) never reports a stale pid.
  await writeMeta(dd, meta);
  const wakeup = new Wakeup();
  // Stopping aborts the beat's step in flight (sensors, the decide, a run_shell): their groups end
  // at once, and a move decided before the stop is not carried out.
  const beats = async (stop: AbortSignal) => {
    let config = await opts.loadConfig();
    meta.runner = config.default;
    await writeMeta(dd, meta);
    log("info", "pulse.start", `pulse up (pid ${meta.pid}), runner ${config.default}, interval ${intervalS(config)}s`);
    while (!stop.aborted) {
      wakeup.clear();
      let result: BeatResult;
      try {
        config = await opts.loadConfig();
        if (meta.runner !== config.default) {
          meta.runner = config.default; // `_ sessions` and `_ state` show the runner in use now
          await writeMeta(dd, meta);
        }
        result = await runBeat(pulseBeatContext(dd, config, log, stop));
      } catch (e) {
        // An unexpected error (a broken config, a full disk) fails this beat, not the pulse.
        const msg = await journalBeatError(dd, e);
        log("error", "beat.error", msg);
        result = { kind: "no-move", reason: msg };
      }
      const delayS = result.kind === "moved" && result.nextIntervalS !== undefined
        ? result.nextIntervalS
        : result.kind === "paused" && result.retryInS !== undefined
        ? Math.min(result.retryInS, intervalS(config))
        : intervalS(config);
      // A schedule due sooner brings its beat at its time (a few ms after, so the beat sees it due).
      const dueMs = await msUntilSchedule(dd, new Date());
      const delayMs = Math.min(delayS * 1000, dueMs === undefined ? Infinity : dueMs + 20);
      await wakeup.sleep(delayMs, stop); // at once when something changed during the beat
    }
  };
  // A change the pulse can see without sensing brings the next beat within a moment.
  const watch = async (stop: AbortSignal) => {
    let debounce: ReturnType<typeof setTimeout> | undefined;
    const watched = await watchUntil(
      [dd.root, dd.goalsDir, dd.sensorsDir, dd.answersDir, dd.sessionsDir],
      stop,
      (paths) => {
        if (!paths.some((p) => wakes(dd, p))) return;
        clearTimeout(debounce);
        debounce = setTimeout(() => wakeup.poke(), WAKE_DEBOUNCE_MS);
      },
      { recursive: true },
    );
    clearTimeout(debounce);
    if (watched.kind === "off") {
      log("warn", "watch.off", `no file-system watch (${watched.error}): beats on the interval only`);
    }
    await untilAborted(stop); // without a watch the pulse beats on; only a signal ends it
  };
  try {
    const end = await runActorGroup({ beats, watch }, { stopOn: ["SIGTERM", "SIGINT"] });
    const stopping = end.signal;
    log("info", "pulse.stop", `pulse stopping (${stopping})`);
    await writeExit(dd, PULSE_ID, { code: 0, signal: stopping ?? null, ts: new Date().toISOString() });
    await writeMeta(dd, { ...meta, state: "exited" });
    return stopping === "SIGINT" ? 130 : stopping === "SIGTERM" ? 143 : 0;
  } finally {
    await resetSandbox().catch(() => {});
    lock.release();
  }
}
