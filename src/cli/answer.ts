/**
 * `_ answer <ask_id> <text>`: a worker is blocked on it, so its plain form starts without the
 * commander program (src/main.ts); `--force`, `-` (the answer on stdin) and `--help` go through
 * commander to the same code. Answers are a human's: inside a worker session it is refused.
 */
import { Exit, LooopError } from "../core/errors.ts";
import { answerAsk } from "../mailbox/answer.ts";
import { resolveDataDir } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";
import { env } from "../sys/env.ts";
import { bodyArg, print } from "./io.ts";

export async function answerCommand(id: string, text: string, force = false): Promise<void> {
  const session = env("LOOOP_SESSION_ID");
  if (session) {
    throw new LooopError(
      `_ answer refused inside worker session '${session}': a worker may not answer asks, a human does`,
      "run it from your own shell (LOOOP_SESSION_ID unset)",
      Exit.gate,
    );
  }
  // From stdin the trailing newline is the terminal's, not the answer's.
  const answer = text === "-" ? (await bodyArg("-", "answer")).replace(/\s+$/, "") : text;
  if (!answer.trim()) throw new LooopError("empty answer", "give the answer as text, or pipe it in with -");
  let corrupt = false;
  const a = await answerAsk(await ensureDataDir(resolveDataDir()), id, answer, {
    force,
    now: new Date(),
    onCorrupt: () => corrupt = true,
  });
  print(`answered ${a.id}${corrupt ? " (its answer file was corrupt and is replaced)" : ""}`);
}
