/**
 * One beat (SPEC §5): housekeeping → sense → hash → skip → backoff → budget → decide → gate → act.
 * Everything it knows comes from the data dir, so a beat after a crash simply starts over.
 */
import { type Config, resolveRunner } from "../core/config.ts";
import { spentToday } from "../core/cost.ts";
import { viewOf, whatChanged } from "../core/diff.ts";
import { clampInterval, type Move, parseMove } from "../core/moves.ts";
import { buildPrompt } from "../core/prompt.ts";
import { parseDuration } from "../core/duration.ts";
import { localDay, localMinute } from "../core/time.ts";
import { worldHash } from "../core/world.ts";
import { decide, pruneRuns } from "../decider/decide.ts";
import { executeMove } from "../executor/moves.ts";
import { RUN_SHELL_TIMEOUT_S, takeInterruptedAction } from "../executor/shell.ts";
import { expireAsksOfGone } from "../mailbox/ask.ts";
import { reapStaleClaims } from "../mailbox/claims.ts";
import { recordCost } from "../cost/ledger.ts";
import { runSensors, type SensorLimits } from "../sensor/run.ts";
import { systemReadings } from "../sensor/system.ts";
import { pruneSessions } from "../supervisor/prune.ts";
import { startWorker } from "../supervisor/start.ts";
import { readGoalActivity } from "../store/activity.ts";
import { pendingAsks } from "../store/asks.ts";
import {
  type Backoff,
  NUDGE,
  readBackoff,
  readLastDecide,
  readLastTickHash,
  readNotes,
  writeBackoff,
  writeLastDecide,
  writeLastTickHash,
  writeNotes,
} from "../store/bookkeeping.ts";
import { readGoals, readPlaybook } from "../store/goals.ts";
import { appendJournal, journalTail } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import { readLedger } from "../store/ledger.ts";
import { listSessions, PULSE_ID } from "../store/sessions.ts";
import { writeReadings } from "../store/snapshots.ts";
import { ensureOwnDir, isAtomicTemp, removeOlderThan } from "../sys/fs.ts";
import { type Sandbox, sandbox } from "../sys/sandbox.ts";
import { sandboxPolicy } from "../store/sandbox_policy.ts";
import type { Log } from "../core/log.ts";

export type BeatResult =
  | { kind: "skipped" }
  | { kind: "paused"; why: "budget" | "unmetered" | "backoff"; retryInS?: number }
  | { kind: "moved"; move: Move; journal: string; nextIntervalS?: number }
  /** `notFound`: the runner is not installed (exit 127 for `_ beat`) */
  | { kind: "no-move"; reason: string; notFound?: true }
  | { kind: "refused"; reason: string }
  /** the pulse is stopping: the step in flight was ended, and no move was carried out */
  | { kind: "stopped" };

export type BeatContext = {
  dd: DataDir;
  config: Config;
  now: () => Date;
  log: Log;
  sensors: SensorLimits;
  decideTimeoutS: number;
  /** aborted when the pulse stops: sensors, the decide and a run_shell end at once */
  signal?: AbortSignal;
};

let sandboxReported: string | undefined;

/** How long what sensors and run_shell leave in the data dir's scratch/ is kept. */
export const TMP_TTL_MS = 24 * 3600 * 1000;

/** The sandbox for this beat; its state is logged when it changes (once per pulse start). */
async function beatSandbox(ctx: BeatContext): Promise<Sandbox> {
  const sb = await sandbox(sandboxPolicy(ctx.dd, ctx.config));
  const status = sb.kind === "on" ? (sb.note ? `on (${sb.note})` : "on") : `off: ${sb.reason}`;
  if (status !== sandboxReported) {
    sandboxReported = status;
    if (sb.kind === "off" && sb.mode === "auto") {
      ctx.log(
        "warn",
        "sandbox.off",
        `no OS sandbox: ${sb.reason}; your sensors run unconfined, and run_shell and write_sensor moves are refused`,
      );
    } else if (sb.kind === "off" && sb.mode === "required") {
      ctx.log(
        "error",
        "sandbox.off",
        `sandbox required but ${sb.reason}: sensors, run_shell and write_sensor will not run`,
      );
    } else if (sb.kind === "off") {
      ctx.log(
        "warn",
        "sandbox.off",
        `sandbox.mode is off: sensors and run_shell run unconfined (you accepted the risk)`,
      );
    } else ctx.log("info", "sandbox", `sandbox ${status}`);
    const notes = await readNotes(ctx.dd);
    await writeNotes(ctx.dd, { ...notes, sandbox: status });
  }
  return sb;
}

/** Dollars for a journal line: cents from $1 up, else four decimals (a $0.005 budget stays readable). */
export function usdText(n: number): string {
  return `$${n >= 1 ? n.toFixed(2) : n.toFixed(4)}`;
}

/** min(60 s × 2^(n-1), 5 min) after n failed decides in a row. */
export function backoffDelayS(failures: number): number {
  return Math.min(60 * 2 ** Math.max(0, failures - 1), 300);
}

async function housekeeping(ctx: BeatContext): Promise<void> {
  const { dd, log } = ctx;
  const now = ctx.now();
  for (const c of await reapStaleClaims(dd)) {
    log("info", "claim.reaped", `claim ${c.name} of dead session ${c.session}`);
  }
  const ttl = parseDuration(ctx.config.session_ttl) ?? 3 * 86400;
  for (const id of await pruneSessions(dd, ttl, now)) log("info", "session.pruned", `pruned finished session ${id}`);
  // What sandboxed code left in scratch/ goes after a day (plain files and empty folders; links
  // are removed as entries, never followed).
  const stale = await removeOlderThan(dd.scratchDir, now.getTime() - TMP_TTL_MS, () => true, { deep: true });
  if (stale.length) log("info", "tmp.pruned", `removed ${stale.length} stale entries from ${dd.scratchDir}`);
  await ensureOwnDir(dd.tmpDir); // sandboxed code may have put a link or a file there
  // A writer killed between its temp file and the rename leaves the temp file: gone after an hour.
  const hourAgo = now.getTime() - 3600_000;
  for (const dir of [dd.root, dd.goalsDir, dd.archiveDir, dd.sensorsDir, dd.snapshotsDir, dd.asksDir, dd.answersDir]) {
    await removeOlderThan(dir, hourAgo, isAtomicTemp);
  }
  const wal = await takeInterruptedAction(dd);
  if (wal) {
    const line =
      `interrupted run_shell found (run ${wal.run_id}, started ${wal.ts}): ${wal.cmd} — not retried; check its effect`;
    await appendJournal(dd, now, line);
    log("warn", "action.interrupted", line);
  }
  // A worker that ended on its own is reported once.
  const notes = await readNotes(dd);
  const reported = notes.reported_exits ?? {};
  let changed = false;
  for (const s of await listSessions(dd)) {
    if (s.id === PULSE_ID || s.status.kind === "running" || !s.meta) continue;
    if (reported[s.id] === s.meta.started) continue;
    reported[s.id] = s.meta.started;
    changed = true;
    const exitedHow = s.status.kind === "exited" ? `exited ${s.status.code ?? "?"}` : s.status.kind;
    // A worker that ended within seconds of its start (no API key, a setup screen) says why.
    const why = s.exit?.last_lines?.length
      ? `, soon after its start; its screen: ${s.exit.last_lines.join(" | ")}`
      : "";
    const how = `${exitedHow}${why}`;
    await appendJournal(dd, now, `worker ${s.id} ${how}`);
    log("info", "session.exit", `worker ${s.id} ${how}`, { id: s.id, state: s.status.kind });
  }
  if (changed) await writeNotes(dd, { ...notes, reported_exits: reported });
  // An ask whose worker is gone waits for nobody: it ends as expired, with its record kept.
  for (const a of await expireAsksOfGone(dd, now)) {
    const line = `ask ${a.id} expired: ${a.why}`;
    await appendJournal(dd, now, line);
    log("info", "ask.expired", line, { id: a.id });
  }
}

async function failBeat(
  ctx: BeatContext,
  hash: string,
  prior: Backoff | undefined,
  reason: string,
  kind: "no-move" | "refused",
): Promise<BeatResult> {
  const { dd, log } = ctx;
  const failures = (prior?.failures ?? 0) + 1;
  await writeBackoff(dd, { failures, hash, ts: ctx.now().toISOString(), reason });
  const notes = await readNotes(dd);
  if (notes.last_failure_journaled !== reason) {
    await appendJournal(dd, ctx.now(), kind === "refused" ? `move refused: ${reason}` : `decide failed: ${reason}`);
    await writeNotes(dd, { ...notes, last_failure_journaled: reason });
  }
  log("warn", kind === "refused" ? "move.refused" : "decide.failed", reason, { failures });
  log("info", "backoff", `next decide in ${backoffDelayS(failures)}s unless the world changes`, { failures });
  return { kind, reason };
}

export async function runBeat(ctx: BeatContext): Promise<BeatResult> {
  const { dd, config, log } = ctx;
  log("debug", "beat.start", "beat");
  await housekeeping(ctx);

  // Sense.
  const sb = await beatSandbox(ctx);
  const readings = {
    ...await runSensors(dd, { ...ctx.sensors, signal: ctx.signal }, {
      sandbox: sb,
      allowNet: config.sandbox.allow_net,
      passEnv: config.sandbox.pass_env,
    }),
    ...await systemReadings(dd, ctx.now()),
  };
  if (ctx.signal?.aborted) return { kind: "stopped" }; // readings cut short are not the world
  await writeReadings(dd, readings);
  const errors = Object.entries(readings).filter(([, r]) => (r.signal as { error?: boolean })?.error === true);
  log(
    "info",
    "sense.done",
    `${Object.keys(readings).length} readings${
      errors.length ? `, ${errors.length} failed: ${errors.map(([n]) => n).join(", ")}` : ""
    }`,
  );

  // Hash and skip.
  const [playbook, goals] = await Promise.all([readPlaybook(dd), readGoals(dd)]);
  const goalTexts = Object.fromEntries(goals.map((g) => [g.id, g.text]));
  const hash = await worldHash({ playbook, goals: goalTexts, readings });
  const last = await readLastTickHash(dd);
  if (last === hash) {
    log("info", "beat.skip", "world unchanged: no decide", { hash: hash.slice(0, 12) });
    return { kind: "skipped" };
  }

  // Backoff: failed decides wait, unless the world moved since the failure.
  const backoff = await readBackoff(dd);
  if (backoff && backoff.hash === hash) {
    const waitS = backoffDelayS(backoff.failures) - (ctx.now().getTime() - Date.parse(backoff.ts)) / 1000;
    if (waitS > 0) {
      log("info", "backoff", `${backoff.failures} failed decide(s): next try in ${Math.ceil(waitS)}s`);
      return { kind: "paused", why: "backoff", retryInS: Math.ceil(waitS) };
    }
  }

  // Budget breaker.
  const runner = resolveRunner(config);
  const notes = await readNotes(dd);
  const today = localDay(ctx.now());
  if (config.max_daily_usd !== undefined) {
    const spent = spentToday((await readLedger(dd)).records, ctx.now());
    if (spent >= config.max_daily_usd) {
      const msg = `daily budget reached (${usdText(spent)} ≥ ${
        usdText(config.max_daily_usd)
      }) — AI paused until local midnight`;
      if (notes.budget_day !== today) {
        await appendJournal(dd, ctx.now(), msg);
        await writeNotes(dd, { ...notes, budget_day: today });
      }
      log("warn", "budget.pause", msg, { spent, budget: config.max_daily_usd });
      return { kind: "paused", why: "budget" };
    }
    const runnerKey = JSON.stringify(runner ?? null);
    if (notes.unmetered?.runner === runnerKey && notes.unmetered.streak >= 3) {
      const msg = `budget set but runner '${config.default}' reported no cost for 3 decides — AI paused: declare ` +
        `"cost": {"type", "pointer", "mode"} for it under "runners" in ${dd.configPath}, or remove max_daily_usd`;
      if (notes.unmetered_day !== today) {
        await appendJournal(dd, ctx.now(), msg);
        await writeNotes(dd, { ...notes, unmetered_day: today });
      }
      log("warn", "budget.pause", msg);
      return { kind: "paused", why: "unmetered" };
    }
  }

  // Decide.
  if (!runner) {
    return failBeat(
      ctx,
      hash,
      backoff,
      `runner '${config.default}' has no tick or no interactive command — set runners.${config.default}.tick and ` +
        `.interactive in ${dd.configPath}`,
      "no-move",
    );
  }
  const activity = await readGoalActivity(dd);
  const nowMs = ctx.now().getTime();
  const neglected = goals.map((g) => ({
    goal: g.id,
    lastActedS: activity[g.id] ? (nowMs - Date.parse(activity[g.id])) / 1000 : null,
  })).sort((a, b) => (a.lastActedS === null ? -1 : b.lastActedS === null ? 1 : b.lastActedS - a.lastActedS))[0];
  const current = viewOf({ playbook, goals: goalTexts, readings });
  const prompt = buildPrompt({
    localTime: localMinute(ctx.now()),
    playbook,
    goals,
    readings,
    asks: await pendingAsks(dd),
    fairness: neglected,
    whatChanged: whatChanged(await readLastDecide(dd), current),
    lastFailure: backoff?.reason,
    journal: await journalTail(dd, 20),
  });
  const confined = config.sandbox.decide_net !== undefined && sb.kind === "on";
  log("info", "decide.start", `asking ${runner.name}${confined ? " (in the OS sandbox)" : ""}`, {
    runner: runner.name,
    prompt_bytes: prompt.length,
    confined,
  });
  const result = await decide(dd, {
    runner,
    prompt,
    timeoutS: ctx.decideTimeoutS,
    prices: config.prices,
    now: ctx.now(),
    configPath: dd.configPath,
    onStreamLine: (line) => log("debug", "decide.stream", line.slice(0, 500)),
    signal: ctx.signal,
    confine: config.sandbox.decide_net ? { sandbox: sb, net: config.sandbox.decide_net } : undefined,
  });
  await pruneRuns(dd);
  if (result.costUsd !== undefined && result.costUsd > 0) {
    await recordCost(dd, { kind: "tick", id: PULSE_ID, runner: runner.name, usd: result.costUsd, now: ctx.now() });
  }
  const runnerKey = JSON.stringify(runner);
  const prior = notes.unmetered?.runner === runnerKey ? notes.unmetered.streak : 0;
  // A runner that is not installed spent nothing: it neither counts as unmetered nor clears the count.
  const notRun = result.kind === "failed" && result.notFound === true;
  const streak = notRun ? prior : result.costUsd === undefined ? prior + 1 : 0;
  await writeNotes(dd, { ...await readNotes(dd), unmetered: { streak, runner: runnerKey } });
  log(
    "info",
    "decide.done",
    result.kind === "move" ? "got a move" : result.kind === "stopped" ? "stopped" : `no move: ${result.reason}`,
    { run_id: result.runId, cost_usd: result.costUsd ?? null },
  );
  // A move decided while the pulse was being stopped is not carried out: `down` means down.
  if (result.kind === "stopped" || ctx.signal?.aborted) {
    if (result.kind === "move") {
      await appendJournal(dd, ctx.now(), `move not carried out: the pulse was stopping (run ${result.runId})`);
    }
    return { kind: "stopped" };
  }
  if (result.kind === "failed") {
    const failed = await failBeat(ctx, hash, backoff, result.reason, "no-move");
    return result.notFound && failed.kind === "no-move" ? { ...failed, notFound: true } : failed;
  }

  // Validate, gate, act.
  const parsed = parseMove(result.value);
  if (!parsed.ok) return failBeat(ctx, hash, backoff, `${parsed.refusal.rule}: ${parsed.refusal.reason}`, "refused");
  const move = parsed.move;
  const screen = {
    sandbox: sb,
    irreversible: config.irreversible,
    allowNet: config.sandbox.allow_net,
    passEnv: config.sandbox.pass_env,
  };
  const outcome = await executeMove(move, {
    dd,
    now: ctx.now(),
    limits: { maxBodyBytes: config.max_body_bytes },
    screen,
  }, {
    startWorker: (id, brief) => startWorker(dd, { id, brief, config, now: ctx.now() }),
    shell: {
      runId: result.runId,
      timeoutS: RUN_SHELL_TIMEOUT_S,
      sandbox: sb,
      net: config.sandbox.run_shell_net,
      signal: ctx.signal,
    },
  });
  if (outcome.kind === "refused") {
    return failBeat(
      ctx,
      hash,
      backoff,
      `${move.action} (${outcome.refusal.rule}): ${outcome.refusal.reason}`,
      "refused",
    );
  }
  await writeBackoff(dd, undefined);
  await writeNotes(dd, { ...await readNotes(dd), last_failure_journaled: undefined });
  // The world the decider has now seen includes its own move's writes.
  const [playbookAfter, goalsAfter] = await Promise.all([readPlaybook(dd), readGoals(dd)]);
  const goalsAfterTexts = Object.fromEntries(goalsAfter.map((g) => [g.id, g.text]));
  const seen = await worldHash({ playbook: playbookAfter, goals: goalsAfterTexts, readings });
  await writeLastDecide(dd, viewOf({ playbook: playbookAfter, goals: goalsAfterTexts, readings }));
  await writeLastTickHash(dd, move.next_interval_s !== undefined ? NUDGE : seen);
  log("info", "move.done", outcome.journal.replace(/^- \S+ \S+ /, ""), { action: move.action, run_id: result.runId });
  return {
    kind: "moved",
    move,
    journal: outcome.journal,
    nextIntervalS: move.next_interval_s !== undefined ? clampInterval(move.next_interval_s) : undefined,
  };
}
