/** The world as the pulse hashes it (SPEC §5 step 3): PLAYBOOK, goals and readings, read once, for the beat and `_ state`. */
import { viewOf, type WorldView } from "../core/diff.ts";
import { worldHash } from "../core/world.ts";
import { type GoalFile, readGoals, readPlaybook } from "./goals.ts";
import type { DataDir } from "./layout.ts";

export type World = {
  playbook: string;
  goals: GoalFile[];
  readings: Record<string, unknown>;
  hash: string;
  /** its signals, for WHAT CHANGED */
  view: WorldView;
};

/** The world of `readings` (this beat's, or snapshots/ as the last beat left them) and the files as they are now. */
export async function worldOf(dd: DataDir, readings: Record<string, unknown>): Promise<World> {
  const [playbook, goals] = await Promise.all([readPlaybook(dd), readGoals(dd)]);
  const inputs = { playbook, goals: Object.fromEntries(goals.map((g) => [g.id, g.text])), readings };
  return { playbook, goals, readings, hash: await worldHash(inputs), view: viewOf(inputs) };
}
