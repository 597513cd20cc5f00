/**
 * The gated executor for the moves that only write files: noop, write_goal, archive_goal,
 * write_sensor, write_playbook, write_schedule, drop_schedule. The steering verbs and the pulse
 * call this same code.
 */
import { DEFAULT_PLAYBOOK_KEEP } from "../core/config.ts";
import { refuse } from "../core/refusal.ts";
import { gateMove, type Limits } from "../core/gates.ts";
import { IRREVERSIBLE_MESSAGE, irreversibleLine } from "../core/irreversible.ts";
import { type FileMove, summarize } from "../core/moves.ts";
import { scheduleOf } from "../core/schedules.ts";
import type { Refusal } from "../core/refusal.ts";
import type { ShellOutput } from "../core/schemas.ts";
import { sensorHeader, sensorPolicy } from "../core/sensor_policy.ts";
import { type Sandbox, sandboxVerdict } from "../sys/sandbox.ts";
import { exists, moveFile, writeFileAtomic } from "../sys/fs.ts";
import { stampGoalActivity } from "../store/activity.ts";
import { appendJournal } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import { keepPreviousPlaybook } from "../store/playbook_history.ts";
import { removeSchedule, writeSchedule } from "../store/schedules.ts";

/** What decides whether LLM-written code may exist at all: the sandbox and the config's lists. */
export type CodeScreen = { sandbox: Sandbox; irreversible: string[]; allowNet: string[]; passEnv: string[] };

/** For callers that write no code: any sensor or command would be refused. */
export const NO_CODE_SCREEN: CodeScreen = {
  sandbox: { kind: "off", reason: "this caller writes no code", mode: "required" },
  irreversible: [],
  allowNet: [],
  passEnv: [],
};

export type ExecContext = {
  dd: DataDir;
  now: Date;
  limits: Limits;
  /** appended to summaries, e.g. "(by hand)" */
  via?: string;
  /** a human's verb, not a decided move: a worker's `command` is theirs (executor/worker.ts) */
  byHuman?: boolean;
  /** for the moves that write code that will run (write_sensor, run_shell) */
  screen: CodeScreen;
  /** earlier PLAYBOOKs kept in playbook.d/ (GuardLimits.playbookKeep); DEFAULT_PLAYBOOK_KEEP when absent */
  playbookKeep?: number;
};

/** `shell`: what a run_shell left for the next decide to see. */
export type MoveOutcome =
  | { kind: "done"; journal: string; shell?: ShellOutput }
  | { kind: "refused"; refusal: Refusal };

const withNewline = (s: string) => (s.endsWith("\n") ? s : s + "\n");

/**
 * A sensor runs every beat, so a new one is screened like run_shell (SPEC §10): refused where no
 * sandbox would hold it, when a line matches an irreversible pattern, or when its header asks for
 * hosts or variables the config does not allow.
 */
function screenSensor(move: Extract<FileMove, { action: "write_sensor" }>, screen: CodeScreen): Refusal | undefined {
  const verdict = sandboxVerdict(screen.sandbox, "move");
  if (verdict.run === "refused") return refuse("sandbox", verdict.reason);
  const hit = irreversibleLine(move.script, screen.irreversible);
  if (hit) return refuse("irreversible", `${hit}: ${IRREVERSIBLE_MESSAGE}`);
  const p = sensorPolicy(sensorHeader(move.script, "sh"), "sh", screen);
  if (!p.ok) return refuse("policy", p.reason);
  return undefined;
}

/** Gate and execute one file move; on success the journal line is written and returned. */
export async function executeFileMove(move: FileMove, ctx: ExecContext): Promise<MoveOutcome> {
  const refusal = gateMove(move, ctx.limits) ??
    (move.action === "write_sensor" ? screenSensor(move, ctx.screen) : undefined);
  if (refusal) return { kind: "refused", refusal };
  const { dd } = ctx;
  let goalTouched: string | undefined;
  switch (move.action) {
    case "noop":
      break;
    case "write_goal":
      await writeFileAtomic(dd.goal(move.id), withNewline(move.body));
      goalTouched = move.id;
      break;
    case "archive_goal": {
      if (!(await exists(dd.goal(move.id)))) {
        return { kind: "refused", refusal: refuse("state", `no goal '${move.id}' in goals/`) };
      }
      // An earlier archive of the same id is kept under a time-stamped name, never overwritten.
      if (await exists(dd.archivedGoal(move.id))) {
        const stamp = ctx.now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
        await moveFile(dd.archivedGoal(move.id), `${dd.archiveDir}/${move.id}.${stamp}.md`);
      }
      await moveFile(dd.goal(move.id), dd.archivedGoal(move.id));
      goalTouched = move.id;
      break;
    }
    case "write_sensor":
      await writeFileAtomic(dd.sensor(move.name), withNewline(move.script), 0o755);
      break;
    case "write_playbook": {
      // The PLAYBOOK it replaces is kept first, so a write that made it worse can be undone.
      const body = withNewline(move.body);
      await keepPreviousPlaybook(dd, body, ctx.now, ctx.playbookKeep ?? DEFAULT_PLAYBOOK_KEEP);
      await writeFileAtomic(dd.playbook, body);
      break;
    }
    case "write_schedule":
      // A write replaces the schedule whole: a one-shot is due in_s from now, a repeating one counts from now.
      await writeSchedule(dd, scheduleOf(move, ctx.now));
      break;
    case "drop_schedule":
      if (!(await exists(dd.schedule(move.name)))) {
        return { kind: "refused", refusal: refuse("state", `no schedule '${move.name}' in schedules/`) };
      }
      await removeSchedule(dd, move.name);
      break;
    default: {
      const never: never = move;
      return never;
    }
  }
  const text = move.journal?.trim() || [summarize(move), ctx.via].filter(Boolean).join(" ");
  const journal = await appendJournal(dd, ctx.now, text);
  if (goalTouched) await stampGoalActivity(dd, goalTouched, ctx.now);
  return { kind: "done", journal };
}
