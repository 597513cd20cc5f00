/**
 * The gated executor for `start_worker`: the id and size gates, then the supervisor's own gates
 * and start (handed in by the caller, since features do not import each other), the journal
 * line and the goal's activity stamp.
 */
import { LooopError } from "../core/errors.ts";
import { gateMove } from "../core/gates.ts";
import { startRefusal } from "../core/refusal.ts";
import { type Move, summarize } from "../core/moves.ts";
import { exists } from "../sys/fs.ts";
import { stampGoalActivity } from "../store/activity.ts";
import { appendJournal } from "../store/journal.ts";
import type { ExecContext, MoveOutcome } from "./files.ts";

export type StartWorker = (id: string, brief: string) => Promise<{ pid: number }>;
type StartMove = Extract<Move, { action: "start_worker" }>;

/** The goal a worker id serves: the id itself, or `name` for a recurring `name-YYYYMMDD`. */
export async function goalOfWorker(ctx: ExecContext, id: string): Promise<string | undefined> {
  for (const candidate of [id, id.replace(/-\d{8}$/, "")]) {
    if (await exists(ctx.dd.goal(candidate))) return candidate;
  }
  return undefined;
}

export async function executeStartWorker(move: StartMove, ctx: ExecContext, start: StartWorker): Promise<MoveOutcome> {
  const refusal = gateMove(move, ctx.limits);
  if (refusal) return { kind: "refused", refusal };
  let pid: number;
  try {
    ({ pid } = await start(move.id, move.prompt));
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
