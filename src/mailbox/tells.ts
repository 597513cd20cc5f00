/**
 * A worker's tells, as it receives them (SPEC §9): with its next answer (`_ ask`) or by `_ told`,
 * each delivered once (store/tells.ts), oldest first, read against TellSchema.
 */
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { type Tell, type TellHow, TellSchema } from "../core/schemas.ts";
import { exists } from "../sys/fs.ts";
import type { DataDir } from "../store/layout.ts";
import { sessionFiles } from "../store/sessions.ts";
import { type PendingTells, takeTells } from "../store/tells.ts";

/** Deliver `session`'s pending tells now (`how`: with an answer, or `_ told`). */
export function deliverTells(dd: DataDir, session: string, how: TellHow, now = new Date()): Promise<PendingTells> {
  return takeTells(dd, session, how, now, TellSchema);
}

/** `_ told`: the session must be one looop ran (its tells outlive its host, so it may have ended). */
export async function toldNow(dd: DataDir, session: string, now = new Date()): Promise<PendingTells> {
  safeId("session", session);
  if (!(await exists(sessionFiles(dd, session).dir))) {
    throw new LooopError(`no session '${session}'`, "see `looop _ sessions`", Exit.refused);
  }
  return await deliverTells(dd, session, "told", now);
}

/** How a delivered tell reads to its worker: one line per tell (a text's own newlines kept). */
export function tellLine(t: Tell): string {
  return `[tell from a human, ${t.ts}] ${t.text}`;
}
