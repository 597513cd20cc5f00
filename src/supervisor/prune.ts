/** Finished sessions older than `session_ttl` are removed (SPEC §8). */
import { removeTree } from "../sys/fs.ts";
import type { DataDir } from "../store/layout.ts";
import { listSessions, PULSE_ID, sessionFiles } from "../store/sessions.ts";

/** Remove finished worker sessions that ended more than `ttlS` seconds before `now`; returns their ids. */
export async function pruneSessions(dd: DataDir, ttlS: number, now: Date): Promise<string[]> {
  const pruned: string[] = [];
  for (const s of await listSessions(dd)) {
    if (s.id === PULSE_ID || s.status.kind === "running") continue;
    const ended = s.exit?.ts ?? s.meta?.started;
    if (!ended) continue;
    if ((now.getTime() - Date.parse(ended)) / 1000 > ttlS) {
      await removeTree(sessionFiles(dd, s.id).dir).catch(() => {});
      pruned.push(s.id);
    }
  }
  return pruned;
}
