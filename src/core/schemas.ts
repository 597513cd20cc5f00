/**
 * Every file format in the data dir, as one zod schema each (SPEC §2, §8, §9).
 * Types come from here (`z.infer`); modules on a fast path import them with `import type` only.
 */
import { z } from "zod";
import { isSafeId } from "./ids.ts";

const safeId = z.string().refine(isSafeId, { message: "not a safe id" });
const isoTime = z.string().min(1);

export const AskSchema = z.object({
  id: safeId,
  worker: safeId,
  prompt: z.string().min(1),
  ref: z.string().optional(),
  options: z.array(z.string().min(1)).min(1).optional(),
  ts: isoTime,
  /** set once the ask ended (it is then filed under asks/done/): its final state, when, and why */
  state: z.enum(["answered", "expired", "withdrawn"]).optional(),
  ended: isoTime.optional(),
  why: z.string().optional(),
});
export type Ask = z.infer<typeof AskSchema>;
export type AskEnd = NonNullable<Ask["state"]>;

export const AnswerSchema = z.object({ id: safeId, answer: z.string(), ts: isoTime });
export type Answer = z.infer<typeof AnswerSchema>;

/** How a tell reached its worker: with an answer (`_ ask`), by `_ told`, or typed into its terminal. */
export const TellHowSchema = z.enum(["answer", "told", "typed"]);
export type TellHow = z.infer<typeof TellHowSchema>;

/** sessions/<id>/tells/<id>.json: what a human told a worker; `delivered` once it reached it (in tells/delivered/). */
export const TellSchema = z.object({
  id: safeId,
  session: safeId,
  text: z.string(),
  ts: isoTime,
  /** its own grace before the host types it in (`watch`'s t and `_ tell --now`: 0); else LOOOP_TELL_GRACE_S */
  grace_s: z.number().nonnegative().optional(),
  delivered: z.object({ how: TellHowSchema, ts: isoTime }).optional(),
});
export type Tell = z.infer<typeof TellSchema>;

export const ClaimSchema = z.object({ session: safeId, name: safeId, ts: isoTime });
export type Claim = z.infer<typeof ClaimSchema>;

export const LedgerKind = z.enum(["tick", "session"]);
export const LedgerRecordSchema = z.object({
  ts: isoTime,
  kind: LedgerKind,
  id: z.string().min(1),
  runner: z.string().min(1),
  cost_usd: z.number().positive().finite(),
});
export type LedgerRecord = z.infer<typeof LedgerRecordSchema>;

/** `done`: the worker ended itself with `_ kill` (its own id); `killed`: someone else ended it. */
export const SessionStateSchema = z.enum(["running", "exited", "killed", "done"]);
export type SessionState = z.infer<typeof SessionStateSchema>;

/** How ending a worker went (the supervisor's kill, and what a `kill_worker` move is told). */
export type KillOutcome =
  | { kind: "killed"; forced: boolean }
  | { kind: "already-ended"; state: string }
  /** a pid of the session could not be verified as its own: nothing was signalled */
  | { kind: "not-signalled"; why: string };

export const SessionMetaSchema = z.object({
  id: safeId,
  runner: z.string(),
  command: z.string(),
  /** the worker's process, which leads its own process group */
  pid: z.number().int(),
  /** when the OS started `pid`, as `ps` reports it: a pid read back is signalled only if it still matches */
  pid_start: z.string().optional(),
  /** the session host that owns its terminal */
  host_pid: z.number().int(),
  host_start: z.string().optional(),
  started: isoTime,
  state: SessionStateSchema,
  cols: z.number().int().positive(),
  rows: z.number().int().positive(),
});
export type SessionMeta = z.infer<typeof SessionMetaSchema>;

export const SessionExitSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable().optional(),
  ts: isoTime,
  /** a worker whose CLI ended on its own within EARLY_EXIT_S: its screen's last lines (a missing API key, a setup screen) */
  last_lines: z.array(z.string()).optional(),
});
export type SessionExit = z.infer<typeof SessionExitSchema>;

/**
 * `sessions/<id>/verify.json`: the worker's `verify` command, run once it ended. `ok`: it exited
 * 0; `status`: "exit 0", "exit 1", "timed out after 300s", "not run: <why>"; `tail`: the end of
 * its output (stdout, then stderr).
 */
export const SessionVerifySchema = z.object({
  ok: z.boolean(),
  code: z.number().int().nullable(),
  status: z.string(),
  tail: z.string(),
  ts: isoTime,
});
export type SessionVerify = z.infer<typeof SessionVerifySchema>;

/** How a runner's event stream reports its cost (config.json `runners.<name>.cost`). */
export const CostSpecSchema = z.strictObject({
  type: z.string().min(1),
  pointer: z.string().startsWith("/"),
  mode: z.enum(["sum", "total"]),
});

/** config.json `prices`: USD per million tokens, by model name, runner name or "default". */
export const PriceTableSchema = z.record(
  z.string(),
  z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
);

/**
 * `sessions/pulse/decide.json`: the decide in flight, written before its runner starts and
 * removed when it ends; a pulse that died mid-decide leaves it for the next one to act on.
 */
export const DecideFlightSchema = z.object({
  /** a name under runs/: one path segment */
  run_id: z.string().regex(/^[\w-]+$/),
  runner: z.string(),
  since: isoTime,
  /** the runner's process, which leads its own process group, once it started */
  pid: z.number().int().optional(),
  pid_start: z.string().optional(),
  /** how the runner reports its cost (its stream), so whoever ends it can meter what it spent */
  cost: CostSpecSchema.optional(),
  prices: PriceTableSchema.optional(),
});
export type DecideFlight = z.infer<typeof DecideFlightSchema>;

/** `.goal-activity.json`: goal id → ISO time it was last acted on. */
export const GoalActivitySchema = z.record(z.string(), isoTime);
export type GoalActivity = z.infer<typeof GoalActivitySchema>;

/** `.tick-backoff`: decides that failed in a row, the world they failed on, the last one's time and reason. */
export const BackoffSchema = z.object({
  failures: z.number().int().positive(),
  hash: z.string(),
  /** the PLAYBOOK and goals when it failed: a human's edit to them ends the wait, a moving sensor does not */
  steer: z.string().optional(),
  ts: isoTime,
  reason: z.string(),
});
export type Backoff = z.infer<typeof BackoffSchema>;

/** `.last-decide.json`: the world the last decide saw, for WHAT CHANGED (SPEC §6). */
export const WorldViewSchema = z.object({
  signals: z.record(z.string(), z.unknown()),
  goals: z.record(z.string(), z.string()),
  playbook: z.string(),
});

/** What a run_shell left for the next decide to see (RUN_SHELL OUTPUT, SPEC §6): shown once, then dropped. */
export const ShellOutputSchema = z.object({
  run_id: z.string(),
  cmd: z.string(),
  /** "exit 0", "exit 1", "timed out after 300s", "killed by SIGKILL", … */
  status: z.string(),
  code: z.number().int().nullable(),
  stdout_tail: z.string(),
  stderr_tail: z.string(),
  /** the OS sandbox refused something the command tried (a write outside scratch/, a host not allowed) */
  denied: z.boolean(),
});
export type ShellOutput = z.infer<typeof ShellOutputSchema>;

/** `.pulse.json`: the pulse's once-only notices and counters. */
export const PulseNotesSchema = z.object({
  /** local day on which the budget notice was journaled */
  budget_day: z.string().optional(),
  unmetered_day: z.string().optional(),
  /** decides in a row that reported no cost, for this runner config */
  unmetered: z.object({ streak: z.number().int().nonnegative(), runner: z.string() }).optional(),
  /** worker id → start time of the run whose exit was journaled */
  reported_exits: z.record(z.string(), z.string()).optional(),
  /** the workers journaled as stuck (core/health.ts), until they print again or end */
  stuck_workers: z.array(z.string()).optional(),
  /** the OS sandbox as the pulse last found it: "on", "on (…)" or "off: <reason>" */
  sandbox: z.string().optional(),
  /** the last failure journaled, to journal a repeated one only once */
  last_failure_journaled: z.string().optional(),
  /** when each decide of the last day ran (for the hourly and daily caps), oldest first */
  decides: z.array(z.string()).optional(),
  /** the cap engaged last, journaled once: "<hour|day>@<its oldest decide>" */
  cap_journaled: z.string().optional(),
  /** the last run_shell's result, until the next decide has seen it */
  shell_output: ShellOutputSchema.optional(),
  /** the last noop and the world it settled on (the noop TTL re-decides it once per TTL) */
  noop: z.object({ at: isoTime, hash: z.string(), ttl_s: z.number().positive().optional() }).optional(),
  /** the noop whose TTL re-decide was journaled (its `at`), to journal it once */
  noop_ttl_journaled: z.string().optional(),
  /** each sensor's signal digest and the beats in a row it changed (flapping sensors) */
  flap: z.record(
    z.string(),
    z.object({ sig: z.string(), streak: z.number().int().nonnegative(), damped: z.boolean().optional() }),
  ).optional(),
  /** when each sensor with a `looop:interval` header last ran, and its interval */
  sensor_ran: z.record(z.string(), z.object({ at: isoTime, every_s: z.number().positive() })).optional(),
  /** a usage or rate limit the runner reported: no decide until `until` */
  runner_limit: z.object({ until: isoTime, reason: z.string(), runner: z.string() }).optional(),
  /** the settings the pulse holds to, env overrides applied (core/guards.ts limitsView), for `_ state` */
  limits: z.record(z.string(), z.number()).optional(),
  /** the next_interval_s whose clamp was journaled last, to journal a clamp once */
  clamp_journaled: z.number().optional(),
  /** today's receipts (local day): what every beat did and spent */
  today: z.object({
    day: z.string(),
    beats: z.number().int().nonnegative(),
    skips: z.number().int().nonnegative(),
    decides: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
    /** beats a guard paused, by its reason (paused, backoff, cap, budget, unmetered, runner_limit) */
    pauses: z.record(z.string(), z.number().int().nonnegative()),
    spend_usd: z.number().nonnegative(),
  }).optional(),
});
export type PulseNotes = z.infer<typeof PulseNotesSchema>;

/** `pause.json`: a human stopped decides and new workers (`looop pause`) until `looop resume`. */
export const PauseSchema = z.object({ since: isoTime, reason: z.string() });
export type Pause = z.infer<typeof PauseSchema>;

/** The shortest period of a repeating schedule, and the furthest a schedule may look ahead (366 days). */
export const SCHEDULE_MIN_EVERY_S = 60;
export const SCHEDULE_MAX_S = 366 * 86400;

const parsedTime = isoTime.refine((s) => Number.isFinite(Date.parse(s)), { message: "is not a time" });
const scheduleCommon = { name: safeId, note: z.string(), created: parsedTime };

/**
 * `schedules/<name>.json` (issue #16): `once` is due at `due`; `every` is due each `every_s` seconds
 * after `anchor` (its first time is anchor + every_s). Only looop writes these (sandboxed code
 * writes only scratch/); core/schedules.ts turns one into its signal.
 */
export const ScheduleSchema = z.discriminatedUnion("kind", [
  z.object({ ...scheduleCommon, kind: z.literal("once"), due: parsedTime }),
  z.object({
    ...scheduleCommon,
    kind: z.literal("every"),
    every_s: z.number().int().min(SCHEDULE_MIN_EVERY_S).max(SCHEDULE_MAX_S),
    anchor: parsedTime,
  }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

/** `.action-wal.json`: the run_shell in flight, written before it starts, removed when it ends. */
export const ActionWalSchema = z.object({
  run_id: z.string(),
  action: z.literal("run_shell"),
  cmd: z.string(),
  ts: isoTime,
});
export type ActionWal = z.infer<typeof ActionWalSchema>;
