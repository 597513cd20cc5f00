/** `_ answer`: resolve a pending ask, once (SPEC §9). */
import { Exit, LooopError } from "../core/errors.ts";
import type { Answer } from "../core/schemas.ts";
import { safeId } from "../core/ids.ts";
import { createExclusive, exists, writeFileAtomic } from "../sys/fs.ts";
import { pendingAsks, readAsk } from "../store/asks.ts";
import type { DataDir } from "../store/layout.ts";

export async function answerAsk(
  dd: DataDir,
  id: string,
  text: string,
  opts: { force?: boolean; now: Date },
): Promise<Answer> {
  safeId("ask", id);
  const ask = await readAsk(dd, id);
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
  if (ask.options?.length && !ask.options.includes(text)) {
    throw new LooopError(
      `'${text}' is not an option of ask ${id}`,
      `answer one of: ${ask.options.join(", ")}`,
    );
  }
  const answer: Answer = { id, answer: text, ts: opts.now.toISOString() };
  const body = JSON.stringify(answer, null, 2) + "\n";
  if (opts.force) {
    await writeFileAtomic(dd.answer(id), body, 0o600);
    return answer;
  }
  if (await exists(dd.answer(id)) || !(await createExclusive(dd.answer(id), body, 0o600))) {
    throw new LooopError(`ask ${id} is already answered`, "add --force to replace the answer", Exit.refused);
  }
  return answer;
}
