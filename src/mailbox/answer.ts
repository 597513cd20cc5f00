/** `_ answer`: resolve a pending ask, once (SPEC §9). */
import { Exit, LooopError } from "../core/errors.ts";
import { type Answer, AnswerSchema, AskSchema } from "../core/schemas.ts";
import { safeId } from "../core/ids.ts";
import { createExclusive, writeFileAtomic } from "../sys/fs.ts";
import { pendingAsks, readAnswer, readAsk } from "../store/asks.ts";
import type { DataDir } from "../store/layout.ts";
import { howAskEnded } from "./ask.ts";

export async function answerAsk(
  dd: DataDir,
  id: string,
  text: string,
  /** `onCorrupt`: called when a corrupt answer file was there and is replaced */
  opts: { force?: boolean; now: Date; onCorrupt?: () => void },
): Promise<Answer> {
  safeId("ask", id);
  const read = await readAsk(dd, id, AskSchema);
  if (read.kind === "corrupt") {
    throw new LooopError(
      `ask ${id}'s record does not parse (${read.error})`,
      "its worker cannot be told; ask again from the worker",
      Exit.refused,
    );
  }
  const ask = read.kind === "parsed" ? read.value : undefined;
  if (!ask) {
    const pending = await pendingAsks(dd);
    const list = pending.length ? pending.map((a) => `${a.id}\t${a.prompt.split("\n")[0]}`).join("\n") : undefined;
    throw new LooopError(
      `no ask '${id}'`,
      pending.length ? `pending asks: ${pending.map((a) => a.id).join(", ")}` : "there are no pending asks",
      Exit.refused,
      list,
    );
  }
  if (ask.state === "expired" || ask.state === "withdrawn") {
    throw new LooopError(
      `ask ${id} ${howAskEnded(ask)}`,
      "nobody waits for this answer any more",
      Exit.refused,
    );
  }
  if (ask.options?.length && !ask.options.includes(text)) {
    throw new LooopError(
      `'${text}' is not an option of ask ${id}`,
      `answer one of: ${ask.options.join(", ")}`,
    );
  }
  if (!text.trim()) throw new LooopError("empty answer", "give the answer as text");
  const answer: Answer = { id, answer: text, ts: opts.now.toISOString() };
  const body = JSON.stringify(answer, null, 2) + "\n";
  // A torn or foreign answer file answers nothing: the ask stays answerable, and replacing it is said.
  const existing = await readAnswer(dd, id, AnswerSchema);
  const there = existing.kind !== "absent";
  const corrupt = existing.kind === "corrupt";
  if (opts.force || corrupt) {
    await writeFileAtomic(dd.answer(id), body, 0o600);
    if (corrupt) opts.onCorrupt?.();
    return answer;
  }
  if (there || !(await createExclusive(dd.answer(id), body, 0o600))) {
    throw new LooopError(`ask ${id} is already answered`, "add --force to replace the answer", Exit.refused);
  }
  return answer;
}
