/**
 * `_ tell`: a tell record for a live worker (store/tells.ts), delivered with its next answer, by
 * `_ told`, or typed in by its host after the grace; and the request that ends a worker (its host
 * also honours a resize request dropped in its inbox).
 */
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { writeFileAtomic } from "../sys/fs.ts";
import { selfPid } from "../sys/process.ts";
import type { DataDir } from "../store/layout.ts";
import type { Tell } from "../core/schemas.ts";
import { recordTell } from "../store/tells.ts";
import { isSessionAlive, PULSE_ID, sessionFiles } from "../store/sessions.ts";

let seq = 0;
const inboxName = (ext: string) => `${Date.now().toString().padStart(15, "0")}-${selfPid()}-${seq++}${ext}`;

async function requireLive(dd: DataDir, id: string) {
  safeId("session", id);
  if (id === PULSE_ID) throw new LooopError("the pulse has no terminal to type into", "tell a worker", Exit.gate);
  if (!(await isSessionAlive(dd, id))) {
    throw new LooopError(`worker '${id}' is not running`, "see `looop _ sessions`", Exit.refused);
  }
}

/** Keep `text` for worker `id` until it reaches it; `graceS` (0: at once) overrides the host's grace. */
export async function tellSession(
  dd: DataDir,
  id: string,
  text: string,
  opts: { now?: Date; graceS?: number } = {},
): Promise<Tell> {
  await requireLive(dd, id);
  return await recordTell(dd, id, text, opts.now ?? new Date(), opts.graceS);
}

/** Ask the worker's host to end it: SIGTERM to its group, SIGKILL after `graceMs`. */
export async function requestEnd(dd: DataDir, id: string, graceMs: number): Promise<void> {
  await writeFileAtomic(
    `${sessionFiles(dd, id).inbox}/${inboxName(".kill.json")}`,
    JSON.stringify({ grace_ms: graceMs }),
  );
}
