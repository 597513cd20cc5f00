/** The gates a move passes before anything runs that need no I/O (SPEC §7): safe ids and size caps. */
import { refuse } from "./refusal.ts";
import { idRefusalReason } from "./ids.ts";
import { type Move, payloadBytes } from "./moves.ts";
import type { Refusal } from "./refusal.ts";

export type Limits = { maxBodyBytes: number };

/** The id a move names, with its kind, when it names one. */
export function movedId(move: Move): { kind: string; id: string } | undefined {
  switch (move.action) {
    case "write_goal":
    case "archive_goal":
      return { kind: "goal", id: move.id };
    case "write_sensor":
      return { kind: "sensor", id: move.name };
    case "start_worker":
    case "kill_worker":
      return { kind: "session", id: move.id };
    case "write_schedule":
    case "drop_schedule":
      return { kind: "schedule", id: move.name };
    case "noop":
    case "run_shell":
    case "write_playbook":
      return undefined;
    default: {
      const never: never = move;
      return never;
    }
  }
}

export function gateMove(move: Move, limits: Limits): Refusal | undefined {
  const named = movedId(move);
  if (named) {
    const problem = idRefusalReason(named.kind, named.id);
    if (problem) return refuse("id", problem);
    // goals/<id>.md, sensors/<name>.sh, schedules/<name>.json: an id with the extension would double it (good.md.md).
    const ext = named.kind === "goal"
      ? /\.md$/
      : named.kind === "sensor"
      ? /\.(sh|ts)$/
      : named.kind === "schedule"
      ? /\.json$/
      : undefined;
    if (ext?.test(named.id)) {
      const bare = named.id.replace(ext, "");
      return refuse(
        "id",
        `${named.kind} id ${JSON.stringify(named.id)} ends in its file's extension, which looop adds: ` +
          `use ${JSON.stringify(bare)}`,
      );
    }
  }
  const bytes = payloadBytes(move);
  if (bytes > limits.maxBodyBytes) {
    return refuse("size", `${move.action} payload is ${bytes} bytes, over the cap of ${limits.maxBodyBytes}`);
  }
  return undefined;
}
