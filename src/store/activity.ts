/** .goal-activity.json: when each goal was last acted on (for FAIRNESS and sys-goals). */
import type { GoalActivity } from "../core/schemas.ts";
import { writeFileAtomic } from "../sys/fs.ts";
import { checked, readStateFile } from "./read.ts";
import { withLock } from "../sys/lock.ts";
import type { DataDir } from "./layout.ts";

const ACTIVITY = checked(
  "a goal activity map",
  (v): v is GoalActivity =>
    !!v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((t) => typeof t === "string"),
);

/**
 * Goal id → when it was last acted on. Only a hint for fairness: one that does not parse counts
 * as no goal acted on yet (each goal looks neglected once), and the next stamp rewrites it whole.
 */
export async function readGoalActivity(dd: DataDir): Promise<GoalActivity> {
  const r = await readStateFile(dd.goalActivity, ACTIVITY);
  return r.kind === "parsed" ? r.value : {};
}

/** Record that `goalId` was acted on at `now` (read-modify-write under a lock). */
export async function stampGoalActivity(dd: DataDir, goalId: string, now: Date): Promise<void> {
  await withLock(dd.activityLock, async () => {
    const current = await readGoalActivity(dd);
    current[goalId] = now.toISOString();
    await writeFileAtomic(dd.goalActivity, JSON.stringify(current, null, 2) + "\n");
  });
}
