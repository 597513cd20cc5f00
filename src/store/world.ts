/** The world as the pulse hashes it (SPEC §5 step 3): PLAYBOOK, goals and readings, read once, for the beat and `_ state`. */
import { viewOf, type WorldView } from "../core/diff.ts";
import { canonicalJson, sha256Hex, worldHash } from "../core/world.ts";
import { type GoalFile, readGoals, readPlaybook } from "./goals.ts";
import type { DataDir } from "./layout.ts";

export type World = {
  playbook: string;
  goals: GoalFile[];
  readings: Record<string, unknown>;
  hash: string;
  /** the digest of the PLAYBOOK and goals alone: what a human steers (a backoff ends when it moves) */
  steer: string;
  /** its signals, for WHAT CHANGED */
  view: WorldView;
};

/**
 * The world of `readings` (this beat's, or snapshots/ as the last beat left them) and the files as
 * they are now. `steady` (name → reading) stands in for a reading in the hash and the view only:
 * a flapping sensor's last steady signal, so its flapping wakes nothing; the prompt sees the real one.
 */
export async function worldOf(
  dd: DataDir,
  readings: Record<string, unknown>,
  steady: Record<string, unknown> = {},
): Promise<World> {
  const [playbook, goals] = await Promise.all([readPlaybook(dd), readGoals(dd)]);
  const goalTexts = Object.fromEntries(goals.map((g) => [g.id, g.text]));
  const inputs = { playbook, goals: goalTexts, readings: { ...readings, ...steady } };
  const [hash, steer] = await Promise.all([
    worldHash(inputs),
    sha256Hex(canonicalJson({ playbook, goals: goalTexts })),
  ]);
  return { playbook, goals, readings, hash, steer, view: viewOf(inputs) };
}
