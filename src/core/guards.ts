/**
 * The beat's guards (SPEC §5 steps 5–6) and the bookkeeping that feeds them: pure functions of
 * the pulse's state, the time and the config. Each guard answers go, or pause with what to log,
 * what to journal (once) and the notes to keep. The beat asks them in order; the first pause wins.
 */
import type { Config } from "./config.ts";
import type { WorldView } from "./diff.ts";
import type { Backoff, PulseNotes } from "./schemas.ts";
import { localDay } from "./time.ts";

/** What the pulse keeps between beats (store/pulse_state.ts reads and writes it). */
export type PulseState = { lastHash?: string; backoff?: Backoff; lastDecide?: WorldView; notes: PulseNotes };

export type PauseWhy = "paused" | "backoff" | "budget" | "unmetered" | "cap" | "runner_limit";
export type Pause = {
  kind: "pause";
  why: PauseWhy;
  /** the log event and its line */
  event: string;
  level: "info" | "warn";
  msg: string;
  fields?: Record<string, unknown>;
  /** the next beat may come this soon (backoff) */
  retryInS?: number;
  /** a journal line, only the first time this pause engages */
  journal?: string;
  /** the notes to keep from now on, when they changed */
  notes?: PulseNotes;
};
export type Verdict = { kind: "go" } | Pause;
const GO: Verdict = { kind: "go" };

/** Dollars for a journal line: cents from $1 up, else four decimals (a $0.005 budget stays readable). */
export function usdText(n: number): string {
  return `$${n >= 1 ? n.toFixed(2) : n.toFixed(4)}`;
}

/** min(60 s × 2^(n-1), 5 min) after n failed decides in a row. */
export function backoffDelayS(failures: number): number {
  return Math.min(60 * 2 ** Math.max(0, failures - 1), 300);
}

/** The emergency stop (`looop pause`): while it stands, no decide at all; sensing goes on. */
export function pausedGuard(paused: { since: string; reason: string } | undefined): Verdict {
  if (!paused) return GO;
  return {
    kind: "pause",
    why: "paused",
    event: "paused",
    level: "info",
    msg: `paused by a human since ${paused.since}${paused.reason ? ` (${paused.reason})` : ""}: no decides and no ` +
      "new workers until `looop resume`",
  };
}

/**
 * Backoff: failed decides wait out their delay. A sensor that moves does not cut it short (a
 * flapping world would otherwise retry a failing runner every beat); a human's edit to the PLAYBOOK
 * or a goal (`steer`, their digest) does. Only a successful decide resets the count (afterSuccess).
 */
export function backoffGuard(state: PulseState, now: Date, world: { hash: string; steer: string }): Verdict {
  const b = state.backoff;
  if (!b) return GO;
  // A record from before `steer` was kept compares the whole world, as it did then.
  if (b.steer !== undefined ? b.steer !== world.steer : b.hash !== world.hash) return GO;
  const waitS = backoffDelayS(b.failures) - (now.getTime() - Date.parse(b.ts)) / 1000;
  return waiting(
    waitS,
    "backoff",
    "backoff",
    (s) => `${b.failures} failed decide(s): next try in ${s}s (a PLAYBOOK or goal edit tries at once)`,
  );
}

/**
 * A usage or rate limit the runner reported (core/runner_failure.ts reads it from its output): no
 * decide until its reset time. It is journaled once, when the decide that hit it fails.
 */
export function runnerLimitGuard(state: PulseState, now: Date): Verdict {
  const l = state.notes.runner_limit;
  if (!l) return GO;
  const waitS = (Date.parse(l.until) - now.getTime()) / 1000;
  return waiting(
    waitS,
    "runner_limit",
    "runner.limit",
    (s) => `runner ${l.runner} reported a usage limit (${l.reason}): no decide until ${l.until} (in ${s}s)`,
  );
}

/** A pause of `waitS` more seconds (logged, not journaled), or go when none is left. */
function waiting(waitS: number, why: PauseWhy, event: string, msg: (retryInS: number) => string): Verdict {
  if (!(waitS > 0)) return GO;
  const retryInS = Math.ceil(waitS);
  return { kind: "pause", why, event, level: "info", msg: msg(retryInS), retryInS };
}

/**
 * The noop TTL: a world that ended in a noop is skipped while it stays the same, but decided again
 * once `ttlS` after that noop, so a wrong noop cannot park a world forever. Journaled once per noop.
 */
export function noopTtlDue(
  state: PulseState,
  now: Date,
  hash: string,
  ttlS: number,
): { due: false } | { due: true; journal?: string; notes?: PulseNotes } {
  const n = state.notes.noop;
  if (!n || n.hash !== hash || now.getTime() - Date.parse(n.at) < ttlS * 1000) return { due: false };
  if (state.notes.noop_ttl_journaled === n.at) return { due: true };
  return {
    due: true,
    journal: `world unchanged since a noop at ${n.at}: deciding again (noop TTL ${ttlS}s)`,
    notes: { ...state.notes, noop_ttl_journaled: n.at },
  };
}

/** What trackFlapping found this beat. */
export type Flapping = {
  flap: NonNullable<PulseNotes["flap"]>;
  /** the sensors damped now: their signal does not wake the loop */
  damped: string[];
  /** damped from this beat on (journaled) */
  engaged: string[];
  /** no longer damped: their signal held still for a beat */
  released: string[];
};

/**
 * Flapping sensors: a sensor whose signal (`digests`, name → digest) changed on `streak` beats in a
 * row is damped until it holds still for one beat. looop's own readings (sys-*) never are.
 */
export function trackFlapping(prior: PulseNotes["flap"], digests: Record<string, string>, streak: number): Flapping {
  const flap: Flapping["flap"] = {};
  const out: Flapping = { flap, damped: [], engaged: [], released: [] };
  for (const [name, sig] of Object.entries(digests)) {
    if (name.startsWith("sys-")) continue;
    const before = prior?.[name];
    const n = before === undefined ? 0 : before.sig === sig ? 0 : before.streak + 1;
    const was = before?.damped === true;
    flap[name] = n >= streak ? { sig, streak: n, damped: true } : { sig, streak: n };
    if (n >= streak) out.damped.push(name);
    if (n >= streak && !was) out.engaged.push(name);
    if (n < streak && was) out.released.push(name);
  }
  return out;
}

/**
 * A budget pause (`why` names it, `day` the note that keeps its notice to once a local day):
 * warned every beat, journaled the first time each day.
 */
function budgetPause(
  state: PulseState,
  now: Date,
  why: "budget" | "unmetered",
  day: "budget_day" | "unmetered_day",
  msg: string,
  fields?: Record<string, unknown>,
): Pause {
  const today = localDay(now);
  const first = state.notes[day] !== today;
  return {
    kind: "pause",
    why,
    event: "budget.pause",
    level: "warn",
    msg,
    ...(fields ? { fields } : {}),
    ...(first ? { journal: msg, notes: { ...state.notes, [day]: today } } : {}),
  };
}

/** The budget breaker: today's spend (`spentUsd`, local day) at or over max_daily_usd pauses until midnight. */
export function budgetGuard(state: PulseState, now: Date, config: Config, spentUsd: number): Verdict {
  const budget = config.max_daily_usd;
  if (budget === undefined || spentUsd < budget) return GO;
  const msg = `daily budget reached (${usdText(spentUsd)} ≥ ${usdText(budget)}) — AI paused until local midnight`;
  return budgetPause(state, now, "budget", "budget_day", msg, { spent: spentUsd, budget });
}

/** Decides in a row whose runner reported no cost, after which a budget cannot be kept. */
export const UNMETERED_LIMIT = 3;

/**
 * With a budget, a runner (its config, `runner.key`) that reported no cost for UNMETERED_LIMIT
 * decides in a row pauses decides: fail closed, and say how to declare its cost.
 */
export function unmeteredGuard(
  state: PulseState,
  now: Date,
  config: Config,
  runner: { key: string; configPath: string },
): Verdict {
  const u = state.notes.unmetered;
  if (config.max_daily_usd === undefined || u?.runner !== runner.key || u.streak < UNMETERED_LIMIT) return GO;
  const msg = `budget set but runner '${config.default}' reported no cost for ${UNMETERED_LIMIT} decides — AI ` +
    `paused: declare "cost": {"type", "pointer", "mode"} for it under "runners" in ${runner.configPath}, or ` +
    `remove max_daily_usd`;
  return budgetPause(state, now, "unmetered", "unmetered_day", msg);
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** The caps on decides, from the config with the environment over it (guardLimits). */
export type DecideCaps = { perHour: number; perDay: number };

/**
 * What the guards and the beat hold to: the config's settings, each with its env override (the
 * original looop's names). `playbookKeep`: how many earlier PLAYBOOKs a write keeps.
 */
export type GuardLimits = {
  caps: DecideCaps;
  maxNextIntervalS: number;
  tickTimeoutS: number;
  noopTtlS: number;
  flapStreak: number;
  runnerRetries: number;
  playbookKeep: number;
  /** a live worker silent this long with no ask is stuck (core/health.ts) */
  workerStuckS: number;
};

export type GuardEnv =
  | "LOOOP_MAX_DECIDES_PER_HOUR"
  | "LOOOP_MAX_NEXT_INTERVAL"
  | "LOOOP_TICK_TIMEOUT_SECS"
  | "LOOOP_NOOP_TTL"
  | "LOOOP_FLAP_STREAK"
  | "LOOOP_RUNNER_RETRIES"
  | "LOOOP_PLAYBOOK_KEEP"
  | "LOOOP_WORKER_STUCK_SECS";

/** The settings in force as `_ state` shows them, by their config names. */
export function limitsView(l: GuardLimits): Record<string, number> {
  return {
    max_decides_per_hour: l.caps.perHour,
    max_decides_per_day: l.caps.perDay,
    max_next_interval_s: l.maxNextIntervalS,
    tick_timeout_s: l.tickTimeoutS,
    noop_ttl_s: l.noopTtlS,
    flap_streak: l.flapStreak,
    runner_retries: l.runnerRetries,
    playbook_keep: l.playbookKeep,
    worker_stuck_s: l.workerStuckS,
  };
}

/** Live workers at most: max_workers, or LOOOP_MAX_WORKERS when it is a whole number from 1. */
export function maxWorkers(config: Config, env: (name: "LOOOP_MAX_WORKERS") => string | undefined): number {
  const text = env("LOOOP_MAX_WORKERS")?.trim() ?? "";
  return /^[1-9]\d*$/.test(text) ? Number(text) : config.max_workers;
}

/** An env override's number: `text` when it is a finite number at or above `least`, else `fallback`. */
export function envNumber(text: string | undefined, fallback: number, least = Number.MIN_VALUE): number {
  const t = text?.trim();
  const v = Number(t);
  return t && Number.isFinite(v) && v >= least ? v : fallback;
}

/** The guards' settings: an env override wins when it is a number at or above the setting's least value. */
export function guardLimits(config: Config, env: (name: GuardEnv) => string | undefined): GuardLimits {
  const n = (name: GuardEnv, fallback: number, least?: number) => envNumber(env(name), fallback, least);
  return {
    caps: {
      perHour: Math.max(1, Math.floor(n("LOOOP_MAX_DECIDES_PER_HOUR", config.max_decides_per_hour, 1))),
      perDay: config.max_decides_per_day,
    },
    maxNextIntervalS: Math.max(5, Math.floor(n("LOOOP_MAX_NEXT_INTERVAL", config.max_next_interval_s))),
    tickTimeoutS: n("LOOOP_TICK_TIMEOUT_SECS", config.tick_timeout_s),
    noopTtlS: n("LOOOP_NOOP_TTL", config.noop_ttl_s, 1),
    flapStreak: Math.floor(n("LOOOP_FLAP_STREAK", config.flap_streak, 2)),
    runnerRetries: Math.floor(n("LOOOP_RUNNER_RETRIES", config.runner_retries, 0)),
    // 0 is a setting here (keep none), not a value to ignore.
    playbookKeep: /^\d+$/.test(env("LOOOP_PLAYBOOK_KEEP") ?? "")
      ? Number(env("LOOOP_PLAYBOOK_KEEP"))
      : config.playbook_keep,
    workerStuckS: n("LOOOP_WORKER_STUCK_SECS", config.worker_stuck_s, 1),
  };
}

/**
 * The decide caps: at most `perHour` decides in any hour and `perDay` in any day (the spend guard
 * that holds even without a budget). Paused until the oldest decide of the full window leaves it.
 */
export function decideCapGuard(state: PulseState, now: Date, caps: DecideCaps): Verdict {
  const times = (state.notes.decides ?? []).map(Date.parse).filter((t) => Number.isFinite(t));
  for (const [window, ms, cap] of [["hour", HOUR_MS, caps.perHour], ["day", DAY_MS, caps.perDay]] as const) {
    const inWindow = times.filter((t) => t > now.getTime() - ms);
    if (inWindow.length < cap) continue;
    const oldest = inWindow[inWindow.length - cap];
    const retryInS = Math.max(1, Math.ceil((oldest + ms - now.getTime()) / 1000));
    const msg = `${inWindow.length} decides in the last ${window} reached the cap of ${cap} ` +
      `(max_decides_per_${window}): the next decide in ${retryInS}s`;
    const key = `${window}@${new Date(oldest).toISOString()}`;
    const first = state.notes.cap_journaled !== key;
    return {
      kind: "pause",
      why: "cap",
      event: "decide.cap",
      level: "warn",
      msg,
      retryInS,
      ...(first ? { journal: msg, notes: { ...state.notes, cap_journaled: key } } : {}),
    };
  }
  return GO;
}

/**
 * The unmetered streak after a decide: one more when the runner reported no cost, zero when it
 * did. A runner that is not installed spent nothing: it neither counts nor clears the count.
 */
export function afterDecide(
  state: PulseState,
  runnerKey: string,
  decide: { notFound: boolean; costUsd: number | undefined; now: Date },
): PulseState {
  const prior = state.notes.unmetered?.runner === runnerKey ? state.notes.unmetered.streak : 0;
  const streak = decide.notFound ? prior : decide.costUsd === undefined ? prior + 1 : 0;
  // A decide that ran counts toward the caps; the record keeps one day.
  const recent = (state.notes.decides ?? []).filter((t) => Date.parse(t) > decide.now.getTime() - DAY_MS);
  const decides = decide.notFound ? recent : [...recent, decide.now.toISOString()];
  return { ...state, notes: { ...state.notes, unmetered: { streak, runner: runnerKey }, decides } };
}

/** A failed decide or a refused move: one more failure on this world; journaled unless it repeats the last. */
export function afterFailure(
  state: PulseState,
  now: Date,
  world: { hash: string; steer: string },
  failure: { reason: string; journal: string },
): { state: PulseState; failures: number; journal?: string } {
  const failures = (state.backoff?.failures ?? 0) + 1;
  const repeat = state.notes.last_failure_journaled === failure.reason;
  return {
    state: {
      ...state,
      backoff: { failures, hash: world.hash, steer: world.steer, ts: now.toISOString(), reason: failure.reason },
      notes: repeat ? state.notes : { ...state.notes, last_failure_journaled: failure.reason },
    },
    failures,
    journal: repeat ? undefined : failure.journal,
  };
}

/** A move carried out: the failure count and the repeat memory start over. */
export function afterSuccess(state: PulseState): PulseState {
  return { ...state, backoff: undefined, notes: { ...state.notes, last_failure_journaled: undefined } };
}

/** Fairness (SPEC §6): the goal acted on longest ago (never acted on first), for the prompt. */
export function neglectedGoal(
  goalIds: string[],
  lastActed: Record<string, string>,
  now: Date,
): { goal: string; lastActedS: number | null } | undefined {
  return goalIds.map((goal) => ({
    goal,
    lastActedS: lastActed[goal] ? (now.getTime() - Date.parse(lastActed[goal])) / 1000 : null,
  })).sort((a, b) => (a.lastActedS === null ? -1 : b.lastActedS === null ? 1 : b.lastActedS - a.lastActedS))[0];
}
