/**
 * `_ ask`: a worker's blocking question to a human (SPEC §9). The ask file is allocated under a
 * lock with an exclusive create, so concurrent asks never share an id. An ask re-run with the same
 * question by the same worker re-attaches to its open ask (pending, or answered while no `_ ask`
 * was waiting) instead of asking twice. Delivery is at least once: the answer is printed, then
 * the ask is filed as done.
 */
import { type Answer, AnswerSchema, type Ask } from "../core/schemas.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { createExclusive, readJsonIfExists } from "../sys/fs.ts";
import { withLock } from "../sys/lock.ts";
import { waitFor } from "../sys/watch.ts";
import { askIds, markDelivered, openAsks } from "../store/asks.ts";
import type { DataDir } from "../store/layout.ts";

const ASK_WORKER_PREFIX_MAX = 50;

export type AskRequest = { worker: string; prompt: string; ref?: string; options?: string[] };

const sameQuestion = (a: Ask, r: AskRequest) =>
  a.worker === r.worker && a.prompt === r.prompt && (a.ref ?? "") === (r.ref ?? "") &&
  JSON.stringify(a.options ?? []) === JSON.stringify(r.options ?? []);

/** Find this worker's pending ask with the same question, or create `<worker>-<n>`. */
export async function openAsk(dd: DataDir, req: AskRequest, now: Date): Promise<{ ask: Ask; reattached: boolean }> {
  safeId("worker", req.worker);
  if (!req.prompt.trim()) {
    throw new LooopError("empty --prompt", 'say what the human must decide: --prompt "…"');
  }
  return await withLock(dd.asksLock, async () => {
    const existing = (await openAsks(dd)).find((r) => sameQuestion(r.ask, req));
    if (existing) return { ask: existing.ask, reattached: true };
    // Long worker ids are shortened so `<worker>-<n>` stays a safe id (at most 64 characters).
    const prefix = `${req.worker.slice(0, ASK_WORKER_PREFIX_MAX)}-`;
    let n = 1;
    for (const id of await askIds(dd)) {
      const rest = id.startsWith(prefix) ? id.slice(prefix.length) : "";
      if (/^\d+$/.test(rest)) n = Math.max(n, Number(rest) + 1);
    }
    while (true) {
      const id = safeId("ask", `${prefix}${n}`);
      const ask: Ask = {
        id,
        worker: req.worker,
        prompt: req.prompt,
        ...(req.ref !== undefined ? { ref: req.ref } : {}),
        ...(req.options?.length ? { options: req.options } : {}),
        ts: now.toISOString(),
      };
      if (await createExclusive(dd.ask(id), JSON.stringify(ask, null, 2) + "\n", 0o600)) {
        return { ask, reattached: false };
      }
      n++;
    }
  });
}

async function readValidAnswer(dd: DataDir, id: string): Promise<Answer | undefined> {
  const r = AnswerSchema.safeParse(await readJsonIfExists(dd.answer(id)));
  return r.success ? r.data : undefined;
}

/** The answer reached the worker: close the ask. */
export function deliver(dd: DataDir, id: string): Promise<void> {
  return markDelivered(dd, id);
}

/** Block until the ask is answered; a timeout leaves it pending and exits 124. */
export async function awaitAnswer(dd: DataDir, id: string, timeoutS?: number, pollMs = 1000): Promise<Answer> {
  const r = await waitFor([dd.answersDir], () => readValidAnswer(dd, id), {
    timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
    pollMs,
  });
  if (r.kind === "timeout") {
    throw new LooopError(
      `ask ${id} not answered within ${timeoutS}s`,
      `it stays pending; run the same _ ask again to wait on it, or answer with: looop _ answer ${id} "<text>"`,
      Exit.timeout,
    );
  }
  return r.value;
}
