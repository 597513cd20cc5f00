/** The gated executor's one entry: any move, to the code that gates and carries it out. */
import type { Move } from "../core/moves.ts";
import { type ExecContext, executeFileMove, type MoveOutcome } from "./files.ts";
import { executeRunShell, type ShellOptions } from "./shell.ts";
import { executeKillWorker, executeStartWorker, type StartWorker, type WorkerEnds } from "./worker.ts";

export type MoveDeps = { startWorker: StartWorker; workers: WorkerEnds; shell: ShellOptions };

export function executeMove(move: Move, ctx: ExecContext, deps: MoveDeps): Promise<MoveOutcome> {
  switch (move.action) {
    case "run_shell":
      return executeRunShell(move, ctx, deps.shell);
    case "start_worker":
      return executeStartWorker(move, ctx, deps.startWorker);
    case "kill_worker":
      return executeKillWorker(move, ctx, deps.workers);
    case "noop":
    case "write_goal":
    case "archive_goal":
    case "write_sensor":
    case "write_playbook":
    case "write_schedule":
    case "drop_schedule":
      return executeFileMove(move, ctx);
    default: {
      const never: never = move;
      return never;
    }
  }
}
