/**
 * The typed moves of SPEC §7 and the gates that need no I/O. A move is ONE JSON object;
 * unknown actions, missing fields and unknown fields are refused.
 */
import { refuse } from "./refusal.ts";
import { SCHEDULE_MAX_S, SCHEDULE_MIN_EVERY_S } from "./schemas.ts";
import { z } from "zod";
import type { Refusal } from "./refusal.ts";

/** A move's free text (journal, reason) stays one readable journal line. */
export const MAX_TEXT_CHARS = 1000;
const text = z.string().max(MAX_TEXT_CHARS, {
  message: `is longer than ${MAX_TEXT_CHARS} characters; a journal line is one readable line`,
});

const extras = {
  journal: text.optional(),
  next_interval_s: z.number().finite().optional(),
};

/** A worker's `verify` or `command`: one shell command line, not a script. */
export const MAX_COMMAND_CHARS = 4000;

/** A whole file's new text: a blank one would erase the PLAYBOOK, a goal or a sensor (the CLI refuses it too). */
const wholeText = z.string().refine((s) => s.trim() !== "", {
  message: "is empty; a move writes the whole file (retire a goal with archive_goal)",
});

const days = (s: number) => `${s / 86400} days`;
/** A one-shot's delay: whole seconds from now, up to SCHEDULE_MAX_S. */
const inSeconds = z.number().int({ message: "is not a whole number of seconds" })
  .positive({ message: "is not positive; a one-shot schedule is due after at least 1 second" })
  .max(SCHEDULE_MAX_S, { message: `is over ${days(SCHEDULE_MAX_S)}; schedule something nearer` });
/** A repeating schedule's period: at least SCHEDULE_MIN_EVERY_S, since it wakes a decide each time. */
const everySeconds = z.number().int({ message: "is not a whole number of seconds" })
  .min(SCHEDULE_MIN_EVERY_S, {
    message: `is under ${SCHEDULE_MIN_EVERY_S}; a repeating schedule's period is at least ${SCHEDULE_MIN_EVERY_S} ` +
      "seconds (use in_s for a one-off sooner)",
  })
  .max(SCHEDULE_MAX_S, { message: `is over ${days(SCHEDULE_MAX_S)}` });

const writeSchedule = z.strictObject({
  action: z.literal("write_schedule"),
  name: z.string(),
  in_s: inSeconds.optional(),
  every_s: everySeconds.optional(),
  note: text.optional(),
  ...extras,
}).refine((m) => (m.in_s === undefined) !== (m.every_s === undefined), {
  message: "give exactly one of in_s (due once, that many seconds from now) or every_s (repeating)",
  path: ["in_s"],
});

export const MoveSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("noop"), reason: text, ...extras }),
  z.strictObject({ action: z.literal("run_shell"), cmd: z.string().min(1), reason: text, ...extras }),
  z.strictObject({ action: z.literal("write_goal"), id: z.string(), body: wholeText, ...extras }),
  z.strictObject({ action: z.literal("archive_goal"), id: z.string(), ...extras }),
  z.strictObject({ action: z.literal("write_sensor"), name: z.string(), script: wholeText, ...extras }),
  z.strictObject({ action: z.literal("write_playbook"), body: wholeText, ...extras }),
  z.strictObject({
    action: z.literal("start_worker"),
    id: z.string(),
    prompt: z.string().min(1),
    /** one shell command, run sandboxed when the worker ends, that exits 0 once the work is truly done */
    verify: z.string().trim().min(1).max(MAX_COMMAND_CHARS).optional(),
    /** a plain command to run instead of the runner's interactive one; {{prompt_file}} is the brief's path */
    command: z.string().trim().min(1).max(MAX_COMMAND_CHARS).optional(),
    ...extras,
  }),
  z.strictObject({ action: z.literal("kill_worker"), id: z.string(), reason: text, ...extras }),
  writeSchedule,
  z.strictObject({ action: z.literal("drop_schedule"), name: z.string(), ...extras }),
]);
export type Move = z.infer<typeof MoveSchema>;
export type MoveAction = Move["action"];
export type FileMove = Extract<
  Move,
  {
    action:
      | "noop"
      | "write_goal"
      | "archive_goal"
      | "write_sensor"
      | "write_playbook"
      | "write_schedule"
      | "drop_schedule";
  }
>;

/** Parse an unknown value as a move; a refusal names the first problem found. */
export function parseMove(value: unknown): { ok: true; move: Move } | { ok: false; refusal: Refusal } {
  const r = MoveSchema.safeParse(value);
  if (r.success) return { ok: true, move: r.data };
  const issue = r.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") + ": " : "";
  return { ok: false, refusal: refuse("schema", `${where}${issue.message}`) };
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** The bytes of the move's payload (body or script), UTF-8 encoded. */
export function payloadBytes(move: Move): number {
  switch (move.action) {
    case "write_goal":
    case "write_playbook":
      return new TextEncoder().encode(move.body).length;
    case "write_sensor":
      return new TextEncoder().encode(move.script).length;
    case "start_worker":
      return new TextEncoder().encode(move.prompt).length;
    case "run_shell":
      return new TextEncoder().encode(move.cmd).length;
    case "noop":
    case "archive_goal":
    case "kill_worker":
    case "write_schedule":
    case "drop_schedule":
      return 0;
    default: {
      const never: never = move;
      return never;
    }
  }
}

/** A one-line summary for the journal when the move carries no `journal` text. */
export function summarize(move: Move): string {
  switch (move.action) {
    case "noop":
      return `noop: ${move.reason}`;
    case "run_shell":
      return `run_shell: ${move.cmd}`;
    case "write_goal":
      return `write_goal ${move.id}`;
    case "archive_goal":
      return `archive_goal ${move.id}`;
    case "write_sensor":
      return `write_sensor ${move.name}`;
    case "write_playbook":
      return "write_playbook";
    case "start_worker":
      return `start_worker ${move.id}`;
    case "kill_worker":
      return `kill_worker ${move.id} (${move.reason})`;
    case "write_schedule":
      return `write_schedule ${move.name} (${
        move.every_s !== undefined ? `every ${move.every_s}s` : `in ${move.in_s}s`
      })`;
    case "drop_schedule":
      return `drop_schedule ${move.name}`;
    default: {
      const never: never = move;
      return never;
    }
  }
}

/** `next_interval_s` is honoured within 5..`max` seconds (max_next_interval_s, 300 by default). */
export function clampInterval(seconds: number, max = 300): number {
  return Math.min(max, Math.max(5, Math.round(seconds)));
}
