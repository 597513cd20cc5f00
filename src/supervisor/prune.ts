/** Finished sessions older than `session_ttl` are removed (SPEC §8). */
import { removeTree } from "../sys/fs.ts";
import type { DataDir } from "../store/layout.ts";
import { listSessions, PULSE_ID, sessionFiles, type SessionView } from "../store/sessions.ts";

/**
 * Remove finished worker sessions that ended more than `ttlS` seconds before `now`: their ids, and
 * the sessions kept as they were read for it (the pulse included), so that a caller that needs the
 * listing right after need not read every session's files again.
 */
export async function pruneSessions(
  dd: DataDir,
  ttlS: number,
  now: Date,
): Promise<{ pruned: string[]; kept: SessionView[] }> {
  const pruned: string[] = [];
  const kept: SessionView[] = [];
  for (const s of await listSessions(dd)) {
    const ended = s.exit?.ts ?? s.meta?.started;
    const old = s.id !== PULSE_ID && s.status.kind !== "running" && !!ended &&
      (now.getTime() - Date.parse(ended)) / 1000 > ttlS;
    if (!old) {
      kept.push(s);
      continue;
    }
    await removeTree(sessionFiles(dd, s.id).dir).catch(() => {});
    pruned.push(s.id);
  }
  return { pruned, kept };
}
