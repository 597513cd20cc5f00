/**
 * `_ answer <ask_id> <text>`: a worker is blocked on it, so its plain form starts without the
 * commander program (src/main.ts); `--force` and `--help` go through commander to the same code.
 */
import { answerAsk } from "../mailbox/answer.ts";
import { resolveDataDir } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";
import { print } from "./io.ts";

export async function answerCommand(id: string, text: string, force = false): Promise<void> {
  const a = await answerAsk(await ensureDataDir(resolveDataDir()), id, text, { force, now: new Date() });
  print(`answered ${a.id}`);
}
