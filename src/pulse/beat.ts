/**
 * One beat (SPEC §5): housekeep → sense → hash → guards → decide → gate → act → commit.
 * Everything it knows comes from the data dir, so a beat after a crash simply starts over; the
 * pulse's own state is read once at the start and written once at the end.
 */
import { type Config, resolveRunner, type Runner, runnerProblem } from "../core/config.ts";
import { spentToday } from "../core/cost.ts";
import { whatChanged } from "../core/diff.ts";
import {
  afterDecide,
  afterFailure,
  afterSuccess,
  backoffDelayS,
  backoffGuard,
  budgetGuard,
  decideCapGuard,
  type GuardLimits,
  guardLimits,
  limitsView,
  neglectedGoal,
  noopTtlDue,
  pausedGuard,
  type PauseWhy,
  type PulseState,
  runnerLimitGuard,
  trackFlapping,
  unmeteredGuard,
  type Verdict,
} from "../core/guards.ts";
import type { Log } from "../core/log.ts";
import type { Ask } from "../core/schemas.ts";
import { clampInterval, type Move, parseMove } from "../core/moves.ts";
import { buildPrompt } from "../core/prompt.ts";
import { formatAge, parseDuration } from "../core/duration.ts";
import { type BeatTally, countBeat, receiptLine } from "../core/receipts.ts";
import type { Reading } from "../core/readings.ts";
import { retryDelayMs, type RunnerFailure } from "../core/runner_failure.ts";
import { canonicalJson, sha256Hex, signalOf } from "../core/world.ts";
import { localMinute, timeZoneOf } from "../core/time.ts";
import { decide, type DecideResult, pruneRuns } from "../decider/decide.ts";
import { executeMove } from "../executor/moves.ts";
import { RUN_SHELL_TIMEOUT_S, takeInterruptedAction } from "../executor/shell.ts";
import { expireAsksOfGone } from "../mailbox/ask.ts";
import { reapStaleClaims } from "../mailbox/claims.ts";
import { recordCost } from "../cost/ledger.ts";
import { runSensors, type SensorLimits } from "../sensor/run.ts";
import { systemReadings } from "../sensor/system.ts";
import { localWorkers, type WorkerBackend } from "../supervisor/backend.ts";
import { readGoalActivity, stampGoalActivity } from "../store/activity.ts";
import { pendingAsks } from "../store/asks.ts";
import { appendJournal, journalTail } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import { readLedger } from "../store/ledger.ts";
import { NUDGE, type PulseStateRead, readPulseState, writePulseState } from "../store/pulse_state.ts";
import { readPause } from "../store/pause.ts";
import { sandboxPolicy } from "../store/sandbox_policy.ts";
import { PULSE_ID, type SessionView, verifyCommand, writeVerify } from "../store/sessions.ts";
import { runVerify } from "../executor/verify.ts";
import { readReading, writeReadings } from "../store/snapshots.ts";
import { type World, worldOf } from "../store/world.ts";
import { ensureOwnDir, isAtomicTemp, removeOlderThan } from "../sys/fs.ts";
import { type Sandbox, sandbox } from "../sys/sandbox.ts";
import { waitUnlessAborted } from "../sys/actors.ts";

export type BeatResult =
  | { kind: "skipped" }
  | { kind: "paused"; why: PauseWhy; retryInS?: number }
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
  /** the guards' settings (core/guards.ts guardLimits) */
  limits: GuardLimits;
  /** where its workers run (supervisor/backend.ts) */
  workers: WorkerBackend;
  /** aborted when the pulse stops: sensors, the decide and a run_shell end at once */
  signal?: AbortSignal;
};

let sandboxReported: string | undefined;

/** How long what sensors and run_shell leave in the data dir's scratch/ is kept. */
export const TMP_TTL_MS = 24 * 3600 * 1000;

/** What a beat works on: the state it read, the state it will commit, its tally, and its context. */
type Beat = {
  ctx: BeatContext;
  read: PulseStateRead;
  state: PulseState;
  fairness?: string;
  /** the sensors damped this beat, for the FLAPPING SENSORS section */
  flapping?: { name: string; streak: number }[];
  /** runner calls made and what they cost, for the receipt */
  decides: number;
  spendUsd: number;
};

export async function runBeat(ctx: BeatContext): Promise<BeatResult> {
  const { dd, log } = ctx;
  log("debug", "beat.start", "beat");
  const read = await readPulseState(dd, ctx.now());
  const beat: Beat = { ctx, read, state: read.state, decides: 0, spendUsd: 0 };
  // The settings this pulse holds to (env overrides applied), for `_ state`.
  const limits = limitsView(ctx.limits);
  if (JSON.stringify(beat.state.notes.limits) !== JSON.stringify(limits)) {
    beat.state = { ...beat.state, notes: { ...beat.state.notes, limits } };
  }
  let result: BeatResult | undefined;
  try {
    result = await beatSteps(beat);
    return result;
  } finally {
    // The receipt: one line in the pulse log, and today's counters (`_ state`, `looop cost`).
    const tally: BeatTally = { ...tallyOf(result), decides: beat.decides, spendUsd: beat.spendUsd };
    const today = countBeat(beat.state.notes.today, ctx.now(), tally);
    beat.state = { ...beat.state, notes: { ...beat.state.notes, today } };
    log("info", "beat.receipt", receiptLine(tally, today));
    await writePulseState(dd, beat.read, beat.state);
  }
}

/** A beat's result as its receipt counts it (no result: the beat threw, a failure). */
function tallyOf(r: BeatResult | undefined): Pick<BeatTally, "outcome" | "why"> {
  if (!r) return { outcome: "failed" };
  switch (r.kind) {
    case "skipped":
    case "stopped":
    case "moved":
      return { outcome: r.kind };
    case "paused":
      return { outcome: "paused", why: r.why };
    default:
      return { outcome: "failed" };
  }
}

async function beatSteps(beat: Beat): Promise<BeatResult> {
  const { ctx } = beat;
  const { dd, config, log } = ctx;
  const sb = await beatSandbox(beat);
  await housekeeping(beat, sb);
  const readings = await sense(beat, sb);
  if (!readings) return { kind: "stopped" }; // readings cut short are not the world
  await reportStuck(beat, readings["sys-sessions"]);
  const world = await worldOf(dd, readings, await dampFlapping(beat, readings));
  if (beat.state.lastHash === world.hash && !(await noopTtl(beat, world))) {
    log("info", "beat.skip", "world unchanged: no decide", { hash: world.hash.slice(0, 12) });
    return { kind: "skipped" };
  }
  const runner = resolveRunner(config);
  const runnerKey = JSON.stringify(runner ?? null);
  const pause = await guards(beat, world, runnerKey);
  if (pause) return pause;
  if (!runner) {
    return fail(
      beat,
      world,
      `${runnerProblem(config)} — set runners.${config.default}.tick and .interactive in ${dd.configPath}`,
      "no-move",
    );
  }
  const result = await decideMove(beat, world, runner, sb);
  // A move decided while the pulse was being stopped is not carried out: `down` means down.
  if (result.kind === "stopped" || ctx.signal?.aborted) {
    if (result.kind === "move") {
      await appendJournal(dd, ctx.now(), `move not carried out: the pulse was stopping (run ${result.runId})`);
    }
    return { kind: "stopped" };
  }
  if (result.kind === "failed") {
    if (result.failure?.kind === "limit") return await runnerLimited(beat, runner, result.failure);
    const failed = await fail(beat, world, result.reason, "no-move");
    return result.notFound && failed.kind === "no-move" ? { ...failed, notFound: true } : failed;
  }
  const parsed = parseMove(result.value);
  if (!parsed.ok) return fail(beat, world, `${parsed.refusal.rule}: ${parsed.refusal.reason}`, "refused");
  return await act(beat, world, parsed.move, result.runId, sb);
}

/**
 * A worker that became stuck (alive, silent past the threshold, no ask) is journaled once; one
 * that prints again is journaled as busy again. The signal already woke the loop: this is the
 * human's line, and the stuck set stands in the pulse's notes so it is said once per spell.
 */
async function reportStuck(beat: Beat, sessions: unknown): Promise<void> {
  const { ctx } = beat;
  const signal = (sessions as { signal?: Record<string, { health?: string }> } | undefined)?.signal ?? {};
  const stuck = Object.keys(signal).filter((id) => signal[id]?.health === "stuck").sort();
  const before = beat.state.notes.stuck_workers ?? [];
  const silence = formatAge(ctx.limits.workerStuckS);
  for (const id of stuck.filter((id) => !before.includes(id))) {
    const line = `worker ${id} is stuck: alive, no output for ${silence}, no ask pending`;
    await appendJournal(ctx.dd, ctx.now(), line);
    ctx.log("warn", "session.stuck", line, { id });
  }
  for (const id of before.filter((id) => !stuck.includes(id))) {
    const health = signal[id]?.health ?? "gone";
    const line = health === "busy" || health === "waiting-ask"
      ? `worker ${id} is ${health} again`
      : `worker ${id} is no longer stuck (${health})`;
    if (health === "busy" || health === "waiting-ask") await appendJournal(ctx.dd, ctx.now(), line);
    ctx.log("info", "session.unstuck", line, { id, health });
  }
  if (stuck.join() !== before.join()) {
    beat.state = { ...beat.state, notes: { ...beat.state.notes, stuck_workers: stuck.length ? stuck : undefined } };
  }
}

/**
 * The noop TTL: the world is the one a noop settled on, but that noop is older than the TTL, so
 * it is decided again (journaled once per noop).
 */
async function noopTtl(beat: Beat, world: World): Promise<boolean> {
  const { ctx } = beat;
  const due = noopTtlDue(beat.state, ctx.now(), world.hash, ctx.limits.noopTtlS);
  if (!due.due) return false;
  if (due.journal) await appendJournal(ctx.dd, ctx.now(), due.journal);
  if (due.notes) beat.state = { ...beat.state, notes: due.notes };
  ctx.log(
    "info",
    "noop.ttl",
    `world unchanged since the last noop, older than ${ctx.limits.noopTtlS}s: deciding again`,
  );
  return true;
}

/**
 * Flapping sensors: each sensor's signal digest is tracked; one that changed on flap_streak beats
 * in a row is damped (journaled when it starts): its last steady signal stands in for it in the
 * world hash until it holds still, so its flapping wakes no decide. Returns those stand-ins.
 */
async function dampFlapping(beat: Beat, readings: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { ctx } = beat;
  const digests: Record<string, string> = {};
  for (const [name, r] of Object.entries(readings)) {
    if (!name.startsWith("sys-")) digests[name] = (await sha256Hex(canonicalJson(signalOf(r)))).slice(0, 16);
  }
  const f = trackFlapping(beat.state.notes.flap, digests, ctx.limits.flapStreak);
  beat.state = { ...beat.state, notes: { ...beat.state.notes, flap: f.flap } };
  beat.flapping = f.damped.map((name) => ({ name, streak: f.flap[name].streak }));
  for (const name of f.engaged) {
    const line = `sensor ${name} is flapping (its signal changed on ${ctx.limits.flapStreak} beats in a row): ` +
      "it no longer wakes the loop until it holds still for a beat";
    await appendJournal(ctx.dd, ctx.now(), line);
    ctx.log("warn", "sensor.flapping", line, { sensor: name });
  }
  for (const name of f.released) {
    ctx.log("info", "sensor.steady", `sensor ${name} held still: its signal wakes the loop again`, { sensor: name });
  }
  const steady: Record<string, unknown> = {};
  for (const name of f.damped) {
    const last = beat.state.lastDecide?.signals;
    steady[name] = { signal: last && name in last ? last[name] : { flapping: true } };
  }
  return steady;
}

/**
 * The runner said it hit a usage or rate limit: decides pause until its reset time (journaled
 * once), and the pause is no failure, so no backoff builds up behind it.
 */
async function runnerLimited(
  beat: Beat,
  runner: Runner,
  limit: Extract<RunnerFailure, { kind: "limit" }>,
): Promise<BeatResult> {
  const { ctx } = beat;
  const until = limit.until.toISOString();
  const line = `runner ${runner.name} hit a usage limit (${limit.why}): decides pause until ${until}` +
    (limit.guessed ? " (it gave no reset time: trying again then)" : "");
  await appendJournal(ctx.dd, ctx.now(), line);
  ctx.log("warn", "runner.limit", line, { until });
  beat.state = {
    ...beat.state,
    notes: { ...beat.state.notes, runner_limit: { until, reason: limit.why, runner: runner.name } },
  };
  const retryInS = Math.max(1, Math.ceil((limit.until.getTime() - ctx.now().getTime()) / 1000));
  return { kind: "paused", why: "runner_limit", retryInS };
}

/** The beat's context as the pulse and `_ beat` give it: the clock, the sensor limits and the decide's deadline. */
export function beatContext(
  dd: DataDir,
  config: Config,
  opts: { log: Log; sensors: SensorLimits; decideTimeoutS?: number; limits?: GuardLimits; signal?: AbortSignal },
): BeatContext {
  const limits = opts.limits ?? guardLimits(config, () => undefined);
  return {
    dd,
    config,
    now: () => new Date(),
    workers: localWorkers(dd),
    ...opts,
    limits,
    decideTimeoutS: opts.decideTimeoutS ?? limits.tickTimeoutS,
  };
}

/** The OS sandbox for this beat; its state is logged when it changes (once per pulse start). */
async function beatSandbox(beat: Beat): Promise<Sandbox> {
  const { ctx } = beat;
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
    beat.state = { ...beat.state, notes: { ...beat.state.notes, sandbox: status } };
  }
  return sb;
}

/**
 * Every sensor and the system readings, written to snapshots/; undefined when the pulse is
 * stopping. A sensor with a `# looop:interval=<secs>` header runs at most that often: in between,
 * its last reading stands.
 */
async function sense(beat: Beat, sb: Sandbox): Promise<Record<string, unknown> | undefined> {
  const { ctx } = beat;
  const { dd, config, log } = ctx;
  const now = ctx.now();
  const ran = { ...beat.state.notes.sensor_ran };
  const stood: string[] = [];
  const timed = new Set<string>(); // the sensors with an interval header this beat
  const sensed = await runSensors(dd, { ...ctx.sensors, signal: ctx.signal }, {
    sandbox: sb,
    allowNet: config.sandbox.allow_net,
    passEnv: config.sandbox.pass_env,
    standIn: async (name, intervalS) => {
      timed.add(name);
      const at = ran[name] ? Date.parse(ran[name].at) : NaN;
      // Only a sensor still within its interval reads its own last snapshot, nothing else.
      const last = now.getTime() - at < intervalS * 1000 ? await readReading(dd, name) : undefined;
      if (last !== undefined) {
        stood.push(name);
        ran[name] = { ...ran[name], every_s: intervalS };
        return last as Reading;
      }
      ran[name] = { at: now.toISOString(), every_s: intervalS }; // it runs now
      return undefined;
    },
  });
  if (ctx.signal?.aborted) return undefined;
  const readings = { ...sensed, ...await systemReadings(dd, now, ctx.limits.workerStuckS) };
  // Only sensors that still have an interval header keep a record.
  const kept = Object.fromEntries(Object.entries(ran).filter(([n]) => timed.has(n)));
  beat.state = {
    ...beat.state,
    notes: { ...beat.state.notes, sensor_ran: Object.keys(kept).length ? kept : undefined },
  };
  await writeReadings(dd, readings);
  const errors = Object.entries(readings).filter(([, r]) => (r.signal as { error?: boolean })?.error === true);
  const failed = errors.length ? `, ${errors.length} failed: ${errors.map(([n]) => n).join(", ")}` : "";
  const between = stood.length ? `, ${stood.length} between runs: ${stood.join(", ")}` : "";
  log("info", "sense.done", `${Object.keys(readings).length} readings${failed}${between}`);
  return readings;
}

/** The guards in order (core/guards.ts); the first pause ends the beat, journaled once. */
async function guards(beat: Beat, world: World, runnerKey: string): Promise<BeatResult | undefined> {
  const { ctx, state } = beat;
  const { dd, config } = ctx;
  const now = ctx.now();
  // Today's spend is read only when a budget is set, and only once the backoff let the beat on.
  const spent = async () => spentToday((await readLedger(dd)).records, now);
  // A runner limit whose reset time has come is over: decides resume.
  const limit = state.notes.runner_limit;
  if (limit && runnerLimitGuard(state, now).kind === "go") {
    ctx.log(
      "info",
      "runner.limit.over",
      `runner ${limit.runner}'s usage limit reset at ${limit.until}: decides resume`,
    );
    beat.state = { ...beat.state, notes: { ...beat.state.notes, runner_limit: undefined } };
  }
  const verdicts: (() => Verdict | Promise<Verdict>)[] = [
    async () => pausedGuard(await readPause(dd)),
    () => runnerLimitGuard(state, now),
    () => backoffGuard(state, now, world),
    () => decideCapGuard(state, now, ctx.limits.caps),
    async () => config.max_daily_usd === undefined ? { kind: "go" } : budgetGuard(state, now, config, await spent()),
    () => unmeteredGuard(state, now, config, { key: runnerKey, configPath: dd.configPath }),
  ];
  for (const verdict of verdicts) {
    const v = await verdict();
    if (v.kind === "go") continue;
    if (v.journal) await appendJournal(dd, now, v.journal);
    if (v.notes) beat.state = { ...beat.state, notes: v.notes };
    ctx.log(v.level, v.event, v.msg, v.fields);
    return { kind: "paused", why: v.why, ...(v.retryInS !== undefined ? { retryInS: v.retryInS } : {}) };
  }
  return undefined;
}

/** The prompt from the world, then the runner's one answer; its cost recorded, the unmetered streak kept. */
async function decideMove(beat: Beat, world: World, runner: Runner, sb: Sandbox): Promise<DecideResult> {
  const { ctx } = beat;
  const { dd, config, log } = ctx;
  const fairness = neglectedGoal(world.goals.map((g) => g.id), await readGoalActivity(dd), ctx.now());
  beat.fairness = fairness?.goal;
  const prompt = buildPrompt({
    localTime: localMinute(ctx.now()),
    timeZone: timeZoneOf(ctx.now()),
    playbook: world.playbook,
    goals: world.goals,
    readings: world.readings,
    asks: await asksWithWorkers(ctx),
    fairness,
    whatChanged: whatChanged(beat.state.lastDecide, world.view),
    shellOutput: beat.state.notes.shell_output,
    flapping: beat.flapping,
    stuck: stuckWorkers(world.readings["sys-sessions"]),
    lastFailure: beat.state.backoff?.reason,
    journal: await journalTail(dd, 20),
  });
  const confined = config.sandbox.decide_net !== undefined && sb.kind === "on";
  log("info", "decide.start", `asking ${runner.name}${confined ? " (in the OS sandbox)" : ""}`, {
    runner: runner.name,
    prompt_bytes: prompt.length,
    confined,
  });
  const attempts = ctx.limits.runnerRetries + 1;
  let result: DecideResult;
  for (let attempt = 1;; attempt++) {
    result = await decideOnce(beat, runner, prompt, sb);
    const transient = result.kind === "failed" && result.failure?.kind === "transient" ? result.failure : undefined;
    if (!transient || attempt >= attempts || ctx.signal?.aborted) break;
    // Overloaded, a connection reset: worth another try in this beat, after a short wait.
    const waitMs = retryDelayMs(attempt);
    log(
      "warn",
      "decide.retry",
      `transient runner failure (${transient.why}): try ${attempt + 1} of ${attempts} in ${waitMs / 1000}s`,
      {
        run_id: result.runId,
      },
    );
    if (!(await waitUnlessAborted(waitMs, ctx.signal))) break;
  }
  // The decide has seen the last run_shell's output (unless it was cut short): shown once.
  if (result.kind !== "stopped") {
    beat.state = { ...beat.state, notes: { ...beat.state.notes, shell_output: undefined } };
  }
  return result;
}

/** One call of the runner: its cost recorded and counted, the unmetered streak and the caps kept. */
async function decideOnce(beat: Beat, runner: Runner, prompt: string, sb: Sandbox): Promise<DecideResult> {
  const { ctx } = beat;
  const { dd, config, log } = ctx;
  const started = performance.now();
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
  const notFound = result.kind === "failed" && result.notFound === true;
  if (!notFound) {
    beat.decides += 1;
    beat.spendUsd += result.costUsd ?? 0;
  }
  beat.state = afterDecide(beat.state, JSON.stringify(runner), { notFound, costUsd: result.costUsd, now: ctx.now() });
  log(
    "info",
    "decide.done",
    result.kind === "move" ? "got a move" : result.kind === "stopped" ? "stopped" : `no move: ${result.reason}`,
    {
      run_id: result.runId,
      runner: runner.name,
      duration_ms: Math.round(performance.now() - started),
      cost_usd: result.costUsd ?? null,
    },
  );
  return result;
}

/** The workers sys-sessions calls stuck, with how long each has been silent (its detail). */
function stuckWorkers(reading: unknown): { id: string; silentS: number | null }[] {
  const r = reading as {
    signal?: Record<string, { health?: string }>;
    detail?: { silent_s?: Record<string, number | null> };
  } | undefined;
  return Object.entries(r?.signal ?? {}).filter(([, w]) => w?.health === "stuck").map(([id]) => ({
    id,
    silentS: typeof r?.detail?.silent_s?.[id] === "number" ? r.detail.silent_s[id] : null,
  }));
}

/** The asks waiting on a human, each with whether its worker runs now. */
async function asksWithWorkers(ctx: BeatContext): Promise<(Ask & { live: boolean })[]> {
  const [asks, live] = await Promise.all([pendingAsks(ctx.dd), ctx.workers.live()]);
  const running = new Set(live);
  return asks.map((a) => ({ ...a, live: running.has(a.worker) }));
}

/** Gate and carry out the move; on success the world the decision saw is committed (its effects are the next change). */
async function act(beat: Beat, world: World, move: Move, runId: string, sb: Sandbox): Promise<BeatResult> {
  const { ctx } = beat;
  const { dd, config } = ctx;
  const outcome = await executeMove(move, {
    dd,
    now: ctx.now(),
    limits: { maxBodyBytes: config.max_body_bytes },
    playbookKeep: ctx.limits.playbookKeep,
    screen: {
      sandbox: sb,
      irreversible: config.irreversible,
      allowNet: config.sandbox.allow_net,
      passEnv: config.sandbox.pass_env,
    },
  }, {
    startWorker: (id, brief, opts) => ctx.workers.start({ id, brief, config, now: ctx.now(), ...opts }),
    workers: ctx.workers,
    shell: { runId, timeoutS: RUN_SHELL_TIMEOUT_S, sandbox: sb, net: config.sandbox.run_shell_net, signal: ctx.signal },
  });
  if (outcome.kind === "refused") {
    return fail(beat, world, `${move.action} (${outcome.refusal.rule}): ${outcome.refusal.reason}`, "refused");
  }
  // The world this decision saw is committed, not the world after its move: the move's own
  // effects (a goal it wrote) are a change the next beat decides on, named in WHAT CHANGED. A
  // run_shell's output is new information too: the next beat decides once, with it in the prompt.
  const next = move.next_interval_s !== undefined || outcome.shell ? NUDGE : world.hash;
  beat.state = { ...afterSuccess(beat.state), lastDecide: world.view, lastHash: next };
  // A noop settles the world until it changes, or until the noop TTL has it decided again.
  const noop = move.action === "noop"
    ? { at: ctx.now().toISOString(), hash: world.hash, ttl_s: ctx.limits.noopTtlS }
    : undefined;
  beat.state.notes = { ...beat.state.notes, noop, noop_ttl_journaled: undefined };
  if (outcome.shell) beat.state.notes = { ...beat.state.notes, shell_output: outcome.shell };
  // A noop looked at the goal FAIRNESS named: it counts as acted on, so FAIRNESS moves on.
  if (move.action === "noop" && beat.fairness) await stampGoalActivity(dd, beat.fairness, ctx.now());
  ctx.log("info", "move.done", outcome.journal.replace(/^- \S+ \S+ /, ""), { action: move.action, run_id: runId });
  let nextIntervalS: number | undefined;
  if (move.next_interval_s !== undefined) {
    nextIntervalS = clampInterval(move.next_interval_s, ctx.limits.maxNextIntervalS);
    // A wait outside 5..max_next_interval_s is clamped; said once per value asked for.
    if (nextIntervalS !== move.next_interval_s && beat.state.notes.clamp_journaled !== move.next_interval_s) {
      await appendJournal(
        dd,
        ctx.now(),
        `next_interval_s ${move.next_interval_s} is outside 5..${ctx.limits.maxNextIntervalS} ` +
          `(max_next_interval_s): the next beat comes in ${nextIntervalS}s; a longer wait is a schedule (write_schedule)`,
      );
      beat.state.notes = { ...beat.state.notes, clamp_journaled: move.next_interval_s };
    }
  }
  return { kind: "moved", move, journal: outcome.journal, nextIntervalS };
}

/** A failed decide or a refused move: counted for backoff, journaled unless it repeats the last one. */
async function fail(beat: Beat, world: World, reason: string, kind: "no-move" | "refused"): Promise<BeatResult> {
  const { ctx } = beat;
  const journal = kind === "refused" ? `move refused: ${reason}` : `decide failed: ${reason}`;
  const after = afterFailure(beat.state, ctx.now(), world, { reason, journal });
  beat.state = after.state;
  if (after.journal) await appendJournal(ctx.dd, ctx.now(), after.journal);
  ctx.log("warn", kind === "refused" ? "move.refused" : "decide.failed", reason, { failures: after.failures });
  ctx.log("info", "backoff", `next decide in ${backoffDelayS(after.failures)}s unless a PLAYBOOK or goal is edited`, {
    failures: after.failures,
  });
  return { kind, reason };
}

/**
 * An ended worker started with a `verify`: its command runs once (sandboxed, as run_shell), and
 * sessions/<id>/verify.json records the result, before sys-sessions reads it this beat. Undefined
 * when the pulse's stop cut the verify short: the worker is then not reported yet, and the next
 * pulse runs it.
 */
async function verifyEnded(beat: Beat, s: SessionView, sb: Sandbox): Promise<SessionView | undefined> {
  const { ctx } = beat;
  if (s.verify) return s;
  const cmd = await verifyCommand(ctx.dd, s.id);
  if (!cmd) return s;
  ctx.log("info", "verify.start", `worker ${s.id} ended: running its verify`, { id: s.id });
  const verify = await runVerify(ctx.dd, cmd, {
    sandbox: sb,
    irreversible: ctx.config.irreversible,
    passEnv: ctx.config.sandbox.pass_env,
    net: ctx.config.sandbox.run_shell_net,
    timeoutS: RUN_SHELL_TIMEOUT_S,
    signal: ctx.signal,
  }, ctx.now());
  if (ctx.signal?.aborted) return undefined; // cut short by the stop: run again by the next pulse
  await writeVerify(ctx.dd, s.id, verify);
  ctx.log(verify.ok ? "info" : "warn", "verify.done", `worker ${s.id}: verify ${verify.status}`, { id: s.id });
  return { ...s, verify };
}

/**
 * Reap, prune and report what ended since the last beat (after running an ended worker's
 * `verify`); corrupt state files are journaled here, once.
 */
async function housekeeping(beat: Beat, sb: Sandbox): Promise<void> {
  const { ctx } = beat;
  const { dd, log } = ctx;
  const now = ctx.now();
  for (const c of await reapStaleClaims(dd)) {
    log("info", "claim.reaped", `claim ${c.name} of dead session ${c.session}`);
  }
  const ttl = parseDuration(ctx.config.session_ttl) ?? 3 * 86400;
  const { pruned, kept } = await ctx.workers.prune(ttl, now);
  for (const id of pruned) log("info", "session.pruned", `pruned finished session ${id}`);
  // What sandboxed code left in scratch/ goes after a day (plain files and empty folders; links
  // are removed as entries, never followed).
  const stale = await removeOlderThan(dd.scratchDir, now.getTime() - TMP_TTL_MS, () => true, { deep: true });
  if (stale.length) log("info", "tmp.pruned", `removed ${stale.length} stale entries from ${dd.scratchDir}`);
  await ensureOwnDir(dd.tmpDir); // sandboxed code may have put a link or a file there
  // A writer killed between its temp file and the rename leaves the temp file: gone after an hour.
  const hourAgo = now.getTime() - 3600_000;
  for (
    const dir of [
      dd.root,
      dd.goalsDir,
      dd.archiveDir,
      dd.sensorsDir,
      dd.snapshotsDir,
      dd.asksDir,
      dd.answersDir,
      dd.schedulesDir,
    ]
  ) {
    await removeOlderThan(dir, hourAgo, isAtomicTemp);
  }
  const wal = await takeInterruptedAction(dd);
  if (wal) {
    const line =
      `interrupted run_shell found (run ${wal.run_id}, started ${wal.ts}): ${wal.cmd} — not retried; check its effect`;
    await appendJournal(dd, now, line);
    log("warn", "action.interrupted", line);
  }
  for (const c of beat.read.corrupt) {
    const line = `${c.file} is corrupt (${c.error}): ${c.means}; it is rewritten`;
    await appendJournal(dd, now, line);
    log("warn", "state.corrupt", line);
  }
  // A worker that ended on its own is reported once, with its verify's result: its launch file is
  // read for a verify command only until then, not on every beat while the session is kept. The
  // sessions are as the prune read them a moment ago: one that ended since is reported next beat.
  const reported = { ...beat.state.notes.reported_exits };
  let changed = false;
  for (const listed of kept) {
    if (listed.id === PULSE_ID || listed.status.kind === "running" || !listed.meta) continue;
    if (reported[listed.id] === listed.meta.started) continue;
    if (ctx.signal?.aborted) break; // stopping: the next pulse reports the rest
    const s = await verifyEnded(beat, listed, sb);
    if (!s) continue;
    reported[s.id] = listed.meta.started;
    changed = true;
    const exitedHow = s.status.kind === "exited" ? `exited ${s.status.code ?? "?"}` : s.status.kind;
    // A worker that ended within seconds of its start (no API key, a setup screen) says why.
    const why = s.exit?.last_lines?.length
      ? `, soon after its start; its screen: ${s.exit.last_lines.join(" | ")}`
      : "";
    const verified = s.verify ? `; verify ${s.verify.ok ? "passed" : `failed (${s.verify.status})`}` : "";
    const how = `${exitedHow}${why}${verified}`;
    await appendJournal(dd, now, `worker ${s.id} ${how}`);
    log("info", "session.exit", `worker ${s.id} ${how}`, { id: s.id, state: s.status.kind });
  }
  if (changed) beat.state = { ...beat.state, notes: { ...beat.state.notes, reported_exits: reported } };
  // An ask whose worker is gone waits for nobody: it ends as expired, with its record kept.
  for (const a of await expireAsksOfGone(dd, now)) {
    const line = `ask ${a.id} expired: ${a.why}`;
    await appendJournal(dd, now, line);
    log("info", "ask.expired", line, { id: a.id });
  }
}
