/** .goal-activity.json: when each goal was last acted on (for FAIRNESS and sys-goals). */
import type { GoalActivity } from "../core/schemas.ts";
import { readJsonIfExists, writeFileAtomic } from "../sys/fs.ts";
import { withLock } from "../sys/lock.ts";
import type { DataDir } from "./layout.ts";

export async function readGoalActivity(dd: DataDir): Promise<GoalActivity> {
  const v = await readJsonIfExists(dd.goalActivity);
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  const out: GoalActivity = {};
  for (const [k, t] of Object.entries(v)) if (typeof t === "string") out[k] = t;
  return out;
}

/** Record that `goalId` was acted on at `now` (read-modify-write under a lock). */
export async function stampGoalActivity(dd: DataDir, goalId: string, now: Date): Promise<void> {
  await withLock(dd.activityLock, async () => {
    const current = await readGoalActivity(dd);
    current[goalId] = now.toISOString();
    await writeFileAtomic(dd.goalActivity, JSON.stringify(current, null, 2) + "\n");
  });
}
