/**
 * The gated executor for `start_worker` and `kill_worker`: the id and size gates, then the
 * supervisor's own gates and start or kill (handed in by the caller, since features do not import
 * each other), the journal line and, for a start, the goal's activity stamp.
 */
import { LooopError } from "../core/errors.ts";
import { gateMove } from "../core/gates.ts";
import { type Refusal, refuse, startRefusal } from "../core/refusal.ts";
import { IRREVERSIBLE_MESSAGE, irreversibleMatch } from "../core/irreversible.ts";
import { sandboxVerdict } from "../sys/sandbox.ts";
import { type Move, summarize } from "../core/moves.ts";
import type { KillOutcome } from "../core/schemas.ts";
import { exists } from "../sys/fs.ts";
import { stampGoalActivity } from "../store/activity.ts";
import { appendJournal } from "../store/journal.ts";
import { PULSE_ID } from "../store/sessions.ts";
import type { ExecContext, MoveOutcome } from "./files.ts";

/** `verify`, `command`: the move's own (see core/moves.ts), already gated. */
export type StartWorker = (
  id: string,
  brief: string,
  opts: { verify?: string; command?: string },
) => Promise<{ pid: number }>;
type StartMove = Extract<Move, { action: "start_worker" }>;
type KillMove = Extract<Move, { action: "kill_worker" }>;

/**
 * What `kill_worker` needs of the workers (the supervisor's backend fits it): the live ids, and an
 * end that signals only what it can verify as the worker's own.
 */
export type WorkerEnds = {
  live(): Promise<string[]>;
  kill(id: string): Promise<KillOutcome>;
};

/** The goal a worker id serves: the id itself, or `name` for a recurring `name-YYYYMMDD`. */
export async function goalOfWorker(ctx: ExecContext, id: string): Promise<string | undefined> {
  for (const candidate of [id, id.replace(/-\d{8}$/, "")]) {
    if (await exists(ctx.dd.goal(candidate))) return candidate;
  }
  return undefined;
}

/**
 * A worker's `verify` runs in the OS sandbox when the worker ends, so it is screened like
 * run_shell: no irreversible pattern, and refused up front where no sandbox would run it. A
 * `command` runs unconfined as the worker itself (workers are trusted, SPEC §10), but when it
 * comes from a decide it is LLM-written code: it must pass the irreversible gate. A human's own
 * `--command` (`_ worker start`) is the human's, as their shell is.
 */
function screenWorker(move: StartMove, ctx: ExecContext): Refusal | undefined {
  if (move.verify !== undefined) {
    const hit = irreversibleMatch(move.verify, ctx.screen.irreversible);
    if (hit) return refuse("irreversible", `verify: ${hit}: ${IRREVERSIBLE_MESSAGE}`);
    const verdict = sandboxVerdict(ctx.screen.sandbox, "move");
    if (verdict.run === "refused") return refuse("sandbox", `verify: ${verdict.reason}`);
  }
  if (move.command !== undefined && !ctx.byHuman) {
    const hit = irreversibleMatch(move.command, ctx.screen.irreversible);
    if (hit) return refuse("irreversible", `command: ${hit}: ${IRREVERSIBLE_MESSAGE}`);
  }
  return undefined;
}

export async function executeStartWorker(move: StartMove, ctx: ExecContext, start: StartWorker): Promise<MoveOutcome> {
  const refusal = gateMove(move, ctx.limits) ?? screenWorker(move, ctx);
  if (refusal) return { kind: "refused", refusal };
  let pid: number;
  try {
    ({ pid } = await start(move.id, move.prompt, { verify: move.verify, command: move.command }));
  } catch (e) {
    if (!(e instanceof LooopError)) throw e;
    return { kind: "refused", refusal: startRefusal(e) };
  }
  const text = move.journal?.trim() || [`${summarize(move)} (pid ${pid})`, ctx.via].filter(Boolean).join(" ");
  const journal = await appendJournal(ctx.dd, ctx.now, text);
  const goal = await goalOfWorker(ctx, move.id);
  if (goal) await stampGoalActivity(ctx.dd, goal, ctx.now);
  return { kind: "done", journal };
}

/** End a live worker; the pulse, an unknown id and an ended worker are refused, and nothing is signalled. */
export async function executeKillWorker(move: KillMove, ctx: ExecContext, workers: WorkerEnds): Promise<MoveOutcome> {
  const refusal = gateMove(move, ctx.limits);
  if (refusal) return { kind: "refused", refusal };
  const refused = (rule: "worker" | "state", reason: string, fix?: string): MoveOutcome => ({
    kind: "refused",
    refusal: refuse(rule, reason, fix),
  });
  if (move.id === PULSE_ID) {
    return refused("worker", "kill_worker never ends the pulse", "the pulse stops only with `looop down`");
  }
  const live = await workers.live();
  if (!live.includes(move.id)) {
    const which = live.length ? `live: ${live.join(", ")}` : "no worker is live";
    return refused("state", `no live worker '${move.id}' (${which})`, "see `looop _ sessions`");
  }
  let r: KillOutcome;
  try {
    r = await workers.kill(move.id);
  } catch (e) {
    if (!(e instanceof LooopError)) throw e;
    return refused("state", e.what, e.fix);
  }
  if (r.kind === "already-ended") return refused("state", `worker '${move.id}' had already ended (${r.state})`);
  if (r.kind === "not-signalled") return refused("state", `did not signal worker '${move.id}': ${r.why}`);
  const forced = r.forced ? ", SIGKILL after the grace period" : "";
  const text = move.journal?.trim() ||
    [`kill_worker ${move.id} (${move.reason}${forced})`, ctx.via].filter(Boolean).join(" ");
  return { kind: "done", journal: await appendJournal(ctx.dd, ctx.now, text) };
}
