/**
 * One snapshot of everything a human or a concierge needs (`_ state`), and `_ wait`.
 * This path loads no zod and no Node compatibility layer: `_ state` must start almost as fast as
 * an empty Deno script (bench/state_bench.ts).
 */
import { spentToday } from "../core/cost.ts";
import { emptyToday, type Today } from "../core/receipts.ts";
import type { Ask } from "../core/schemas.ts";
import { sha256Hex } from "../core/world.ts";
import { localDay } from "../core/time.ts";
import { readJson, readTextIfExists, statIfExists } from "../sys/fs.ts";
import { waitFor } from "../sys/watch.ts";
import { readGoalActivity } from "../store/activity.ts";
import { type ConfigFacts, readConfigFacts, readNotesView, writeConfigFacts } from "../store/bookkeeping.ts";
import { pendingAsks } from "../store/asks.ts";
import { listClaims } from "../store/claims.ts";
import { goalLine } from "../store/goals.ts";
import { journalTail } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import { readDecideFlight } from "../store/inflight.ts";
import { readPause } from "../store/pause.ts";
import { shown } from "../store/read.ts";
import { readLedger } from "../store/ledger.ts";
import {
  isSessionAlive,
  lastOutput,
  listSessions,
  PULSE_ID,
  readSession,
  type SessionView,
} from "../store/sessions.ts";
import { DEFAULT_WORKER_STUCK_S, healthOf, type WorkerHealth, workerStuckS } from "../core/health.ts";
import { env } from "../sys/env.ts";
import { readReadings } from "../store/snapshots.ts";
import { worldOf } from "../store/world.ts";

export type SessionRow = {
  id: string;
  state: "running" | "exited" | "killed" | "done" | "dead";
  pid: number | null;
  runner: string | null;
  age_s: number | null;
  exit_code: number | null;
  /** a worker that ended by itself within seconds of its start: its screen's last lines */
  last_lines: string[] | null;
  /** busy, waiting-ask, stuck (alive, silent past the threshold, no ask), or how it ended (core/health.ts) */
  health: WorkerHealth;
  /** its verify command's verdict once the worker ended (passed or failed), null when none ran */
  verify: { ok: boolean; status: string; tail: string } | null;
};

export type StateDoc = {
  data_dir: string;
  config: { path: string; error: string | null };
  /** `decide`: the decide in flight (its runner, since when), null when none */
  /** `paused`: the emergency stop (`looop pause`), null when there is none */
  pulse: {
    up: boolean;
    runner: string | null;
    decide: { runner: string; since: string; run_id: string } | null;
    paused: { since: string; reason: string } | null;
  };
  /** the OS sandbox as the pulse last found it ("on", "off: <reason>"), null before any beat */
  sandbox: string | null;
  world_hash: string;
  last_tick_hash: string | null;
  goals: { id: string; goal: string | null; last_acted: string | null }[];
  readings: Record<string, unknown>;
  asks: Ask[];
  sessions: SessionRow[];
  claims: { name: string; session: string; ts: string; live: boolean }[];
  spend: { today_usd: number; budget_usd: number | null };
  /** decides that ran in the last hour and day (the caps max_decides_per_hour and _per_day count them) */
  decides: { last_hour: number; last_day: number };
  /**
   * The guards that hold now: the failed decides' backoff, the last noop (the world it settled on
   * is decided again at `redecide_at`, the noop TTL), the sensors damped for flapping, a usage
   * limit the runner reported (no decide until `until`), and the sensors that run at an interval
   */
  guards: {
    backoff: { failures: number; since: string; reason: string } | null;
    noop: { at: string; redecide_at: string | null } | null;
    flapping: string[];
    runner_limit: { runner: string; until: string; reason: string } | null;
    /** sensors with a `looop:interval` header: their last run, and when the next may come */
    sensor_intervals: { sensor: string; every_s: number; last_run: string; next_run: string }[];
    /** the settings the pulse held to at its last beat, env overrides applied (null before any beat) */
    limits: Record<string, number> | null;
  };
  /** today's receipts (local day): every beat counted, pauses by the guard that paused it */
  today: Omit<Today, "day">;
  journal: string[];
};

/**
 * The configured daily budget, and whether the config is broken (its syntax, its schema, a runner
 * without a tick): validated in full once per config text. The facts are kept under the text's
 * hash, and the config module (zod) is loaded, by a computed URL so that Deno does not prepare it
 * up front, only when the text changed.
 */
async function readBudget(dd: DataDir): Promise<{ budget: number | null; error: string | null; stuckS: number }> {
  const text = await readTextIfExists(dd.configPath);
  if (text === undefined || !text.trim()) return { budget: null, error: null, stuckS: DEFAULT_WORKER_STUCK_S };
  const sha256 = await sha256Hex(text);
  const known = await readConfigFacts(dd);
  if (known?.sha256 === sha256 && typeof known.worker_stuck_s === "number" && known.worker_stuck_s > 0) {
    return { budget: known.budget, error: known.error, stuckS: known.worker_stuck_s };
  }
  const { parseConfig, resolveRunner, runnerProblem }: typeof import("../core/config.ts") = await import(
    new URL("../core/config.ts", import.meta.url).href
  );
  let facts: ConfigFacts;
  try {
    const { config } = parseConfig(text, dd.configPath);
    const b = config.max_daily_usd;
    const error = resolveRunner(config) ? null : `${runnerProblem(config)} — set "default" to a known runner`;
    facts = { sha256, budget: typeof b === "number" && b > 0 ? b : null, error, worker_stuck_s: config.worker_stuck_s };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    facts = { sha256, budget: null, error, worker_stuck_s: DEFAULT_WORKER_STUCK_S };
  }
  await writeConfigFacts(dd, facts).catch(() => {}); // a read-only data dir still gets its answer
  return { budget: facts.budget, error: facts.error, stuckS: facts.worker_stuck_s };
}

/** The silence after which a live worker with no ask is stuck: LOOOP_WORKER_STUCK_SECS, else worker_stuck_s. */
export async function stuckThreshold(dd: DataDir): Promise<number> {
  return stuckOf(await readBudget(dd));
}

const stuckOf = (budget: { stuckS: number }) => workerStuckS(env("LOOOP_WORKER_STUCK_SECS"), budget.stuckS);

/** The pulse as `_ state` and watch's status line show it. */
function pulseView(
  up: boolean,
  meta: SessionView["meta"],
  flight: { runner: string; since: string; run_id: string } | undefined,
  paused: { since: string; reason: string } | undefined,
): StateDoc["pulse"] {
  return {
    up,
    runner: up ? meta?.runner || null : null,
    decide: up && flight ? { runner: flight.runner, since: flight.since, run_id: flight.run_id } : null,
    paused: paused ?? null,
  };
}

/** The runner's usage limit while it still holds (a past one is over). */
function activeLimit(notes: { runner_limit?: NonNullable<StateDoc["guards"]["runner_limit"]> }, now: Date) {
  const l = notes.runner_limit;
  return l && Date.parse(l.until) > now.getTime() ? l : null;
}

/** Every session as a row, with its health (a broken config counts as the default threshold). */
export async function sessionRows(dd: DataDir, now: Date): Promise<SessionRow[]> {
  const [sessions, asks, stuckS] = await Promise.all([listSessions(dd), pendingAsks(dd), stuckThreshold(dd)]);
  return sessionRowsOf(sessions, asks, now, stuckS);
}

function sessionRowsOf(sessions: SessionView[], asks: Ask[], now: Date, stuckS: number): SessionRow[] {
  const asking = new Set(asks.map((a) => a.worker));
  return sessions.map((s) => ({
    id: s.id,
    state: s.status.kind,
    pid: s.meta?.pid ?? null,
    runner: s.meta?.runner ?? null,
    age_s: s.meta?.started ? Math.max(0, Math.round((now.getTime() - Date.parse(s.meta.started)) / 1000)) : null,
    exit_code: s.status.kind === "exited" ? s.status.code : null,
    last_lines: s.exit?.last_lines?.length ? s.exit.last_lines : null,
    verify: s.verify ? { ok: s.verify.ok, status: s.verify.status, tail: s.verify.tail } : null,
    // The pulse is never stuck: its log is its own, not a worker's terminal.
    health: healthOf(
      {
        status: s.status.kind,
        lastOutputAt: s.id === PULSE_ID ? undefined : lastOutput(s),
        pendingAsk: asking.has(s.id),
      },
      now,
      stuckS,
    ),
  }));
}

/** The world hash as the pulse computes it, from the files as they are now. */
export async function currentWorldHash(dd: DataDir): Promise<string> {
  return (await worldOf(dd, await readReadings(dd))).hash;
}

export async function readState(dd: DataDir, now: Date): Promise<StateDoc> {
  const [
    world,
    asks,
    sessions,
    claims,
    ledger,
    journal,
    activity,
    budget,
    pulseUp,
    lastHash,
    notes,
    flight,
    pulseMeta,
    paused,
    backoff,
  ] = await Promise.all([
    readReadings(dd).then((readings) => worldOf(dd, readings)),
    pendingAsks(dd),
    listSessions(dd),
    listClaims(dd),
    readLedger(dd),
    journalTail(dd, 20),
    readGoalActivity(dd),
    readBudget(dd),
    isSessionAlive(dd, PULSE_ID),
    readTextIfExists(dd.lastTickHash),
    readNotesView(dd),
    readDecideFlight(dd).then(shown),
    readSession(dd, PULSE_ID).then((p) => p.meta),
    readPause(dd),
    readJson(dd.tickBackoff),
  ]);
  const rows = sessionRowsOf(sessions, asks, now, stuckOf(budget));
  const live = new Set(rows.filter((s) => s.state === "running").map((s) => s.id));
  return {
    data_dir: dd.root,
    config: { path: dd.configPath, error: budget.error },
    pulse: pulseView(pulseUp, pulseMeta, flight, paused),
    sandbox: notes.sandbox ?? null,
    world_hash: world.hash,
    last_tick_hash: lastHash?.trim() || null,
    goals: world.goals.map((g) => ({ id: g.id, goal: goalLine(g.text) ?? null, last_acted: activity[g.id] ?? null })),
    readings: world.readings,
    asks,
    sessions: rows,
    claims: claims.map((c) => ({ name: c.name, session: c.session, ts: c.ts, live: live.has(c.session) })),
    spend: { today_usd: spentToday(ledger.records, now), budget_usd: budget.budget },
    decides: {
      last_hour: notes.decides.filter((t) => Date.parse(t) > now.getTime() - 3600_000).length,
      last_day: notes.decides.filter((t) => Date.parse(t) > now.getTime() - 86400_000).length,
    },
    guards: {
      backoff: backoffView(backoff.kind === "parsed" ? backoff.value : undefined),
      noop: notes.noop
        ? {
          at: notes.noop.at,
          redecide_at: notes.noop.ttl_s
            ? new Date(Date.parse(notes.noop.at) + notes.noop.ttl_s * 1000).toISOString()
            : null,
        }
        : null,
      flapping: notes.flapping,
      limits: notes.limits ?? null,
      sensor_intervals: notes.sensor_runs.map((r) => ({
        sensor: r.sensor,
        every_s: r.every_s,
        last_run: r.at,
        next_run: new Date(Date.parse(r.at) + r.every_s * 1000).toISOString(),
      })),
      runner_limit: activeLimit(notes, now),
    },
    today: (() => {
      const { day: _, ...counts } = notes.today?.day === localDay(now) ? notes.today : emptyToday(localDay(now));
      return counts;
    })(),
    journal,
  };
}

/** .tick-backoff as `_ state` shows it (no zod here: a hand check, anything else is none). */
function backoffView(v: unknown): StateDoc["guards"]["backoff"] {
  const b = v as { failures?: unknown; ts?: unknown; reason?: unknown } | null | undefined;
  if (!b || typeof b.failures !== "number" || typeof b.ts !== "string" || typeof b.reason !== "string") return null;
  return { failures: b.failures, since: b.ts, reason: b.reason };
}

/**
 * Block until a pending ask exists or (unless onlyAsks) the world hash moves from its value now,
 * or the pulse is not running (at the start or later: "down").
 * Level-triggered: a pending ask that already exists returns at once.
 */
export async function waitForChange(
  dd: DataDir,
  opts: { onlyAsks: boolean; timeoutS?: number; pollMs?: number },
): Promise<"ask" | "world" | "down" | "timeout"> {
  const start = opts.onlyAsks ? "" : await currentWorldHash(dd);
  const r = await waitFor(
    [dd.root, dd.goalsDir, dd.snapshotsDir, dd.asksDir, dd.answersDir],
    async () => {
      if ((await pendingAsks(dd)).length > 0) return "ask" as const;
      if (!opts.onlyAsks && (await currentWorldHash(dd)) !== start) return "world" as const;
      // With no pulse nothing senses or decides: waiting on would be waiting forever.
      if (!(await isSessionAlive(dd, PULSE_ID))) return "down" as const;
      return undefined;
    },
    { timeoutMs: opts.timeoutS === undefined ? undefined : opts.timeoutS * 1000, pollMs: opts.pollMs ?? 1000 },
  );
  return r.kind === "timeout" ? "timeout" : r.value;
}

/** What `watch`'s status line shows: the pulse, what stops it, today's spend, the last decide. */
export type WatchStatus = {
  pulse: StateDoc["pulse"];
  runner_limit: StateDoc["guards"]["runner_limit"];
  spend: StateDoc["spend"];
  /** when the last decide ran (of the last day), null when none did */
  last_decide: string | null;
};

/**
 * The part of `_ state` the TUI refreshes on its timer, kept cheap: no world, no journal, and the
 * ledger summed again only when it changed (its size or mtime, remembered in `cache`).
 */
export async function readWatchStatus(
  dd: DataDir,
  now: Date,
  cache: { ledger?: { key: string; day: string; usd: number } } = {},
): Promise<WatchStatus> {
  const [up, paused, flight, notes, budget, meta] = await Promise.all([
    isSessionAlive(dd, PULSE_ID),
    readPause(dd),
    readDecideFlight(dd).then(shown),
    readNotesView(dd),
    readBudget(dd),
    readSession(dd, PULSE_ID).then((p) => p.meta),
  ]);
  const info = statIfExists(dd.ledger);
  const key = `${info?.size ?? 0}:${info?.mtime?.getTime() ?? 0}`;
  const day = localDay(now);
  if (cache.ledger?.key !== key || cache.ledger.day !== day) {
    cache.ledger = { key, day, usd: spentToday((await readLedger(dd)).records, now) };
  }
  return {
    pulse: pulseView(up, meta, flight, paused),
    runner_limit: activeLimit(notes, now),
    spend: { today_usd: cache.ledger.usd, budget_usd: budget.budget },
    last_decide: notes.decides.length ? notes.decides.reduce((a, b) => (a > b ? a : b)) : null,
  };
}
