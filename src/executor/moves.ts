/** The gated executor's one entry: any move, to the code that gates and carries it out. */
import type { Move } from "../core/moves.ts";
import { type ExecContext, executeFileMove, type MoveOutcome } from "./files.ts";
import { executeRunShell, type ShellOptions } from "./shell.ts";
import { executeStartWorker, type StartWorker } from "./worker.ts";

export type MoveDeps = { startWorker: StartWorker; shell: ShellOptions };

export function executeMove(move: Move, ctx: ExecContext, deps: MoveDeps): Promise<MoveOutcome> {
  switch (move.action) {
    case "run_shell":
      return executeRunShell(move, ctx, deps.shell);
    case "start_worker":
      return executeStartWorker(move, ctx, deps.startWorker);
    case "noop":
    case "write_goal":
    case "archive_goal":
    case "write_sensor":
    case "write_playbook":
      return executeFileMove(move, ctx);
    default: {
      const never: never = move;
      return never;
    }
  }
}
