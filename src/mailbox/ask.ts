/**
 * `_ ask`: a worker's blocking question to a human (SPEC §9). The ask file is allocated under a
 * lock with an exclusive create, so concurrent asks never share an id. An ask re-run with the same
 * question by the same worker re-attaches to its open ask (pending, or answered while no `_ ask`
 * was waiting) instead of asking twice. Delivery is at least once: the answer is printed, then
 * the ask is filed as done. Every ask ends (store/asks.ts): answered, expired, or withdrawn.
 */
import { type Answer, AnswerSchema, type Ask, AskSchema } from "../core/schemas.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { createExclusive } from "../sys/fs.ts";
import { withLock } from "../sys/lock.ts";
import { waitFor } from "../sys/watch.ts";
import { askIds, endAsk, openAsks, orphanedAsks, readAnswer, readEndedAsk, readOpenAsk } from "../store/asks.ts";
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

/** The answer, once there is one that parses (a corrupt file answers nothing: `_ answer` replaces it). */
async function readValidAnswer(dd: DataDir, id: string): Promise<Answer | undefined> {
  const r = await readAnswer(dd, id, AnswerSchema);
  return r.kind === "parsed" ? r.value : undefined;
}

/** The answer reached the worker: the ask ends as answered. */
export async function deliver(dd: DataDir, id: string, now = new Date()): Promise<void> {
  const ask = await readOpenAsk(dd, id, AskSchema);
  if (ask.kind === "parsed") await endAsk(dd, ask.value, { state: "answered", now });
}

/** Every open ask whose worker is gone (killed, exited, dead) ends as expired; returns them. */
export async function expireAsksOfGone(dd: DataDir, now: Date): Promise<Ask[]> {
  const out: Ask[] = [];
  for (const { ask, why } of await orphanedAsks(dd)) out.push(await endAsk(dd, ask, { state: "expired", now, why }));
  return out;
}

/** "expired (why) at …" or "was withdrawn at …": how an ask ended with no answer. */
export function howAskEnded(ask: Ask): string {
  const how = ask.state === "expired" ? `expired (${ask.why ?? "its worker is gone"})` : "was withdrawn";
  return `${how} at ${ask.ended ?? "?"}`;
}

/** How a blocked `_ ask` learns its ask ended with no answer to come. */
function endedError(ask: Ask): LooopError {
  return new LooopError(
    `ask ${ask.id} ${howAskEnded(ask)}: no answer will come`,
    "ask again if the question still stands",
    Exit.askEnded,
  );
}

/**
 * Block until the ask is answered. A timeout leaves it pending and exits 124; an ask whose record
 * was deleted (withdrawn) or that expired exits 4, and a withdrawn one is filed as such.
 */
export async function awaitAnswer(dd: DataDir, ask: Ask, timeoutS?: number, pollMs = 1000): Promise<Answer> {
  const { id } = ask;
  type Outcome = { kind: "answer"; answer: Answer } | { kind: "ended"; ask: Ask };
  const r = await waitFor([dd.answersDir, dd.asksDir, dd.asksDoneDir], async (): Promise<Outcome | undefined> => {
    const answer = await readValidAnswer(dd, id);
    if (answer) return { kind: "answer", answer };
    const open = await readOpenAsk(dd, id, AskSchema);
    if (open.kind === "parsed") return undefined;
    // Not open any more, and no answer: it ended (expired), or a human deleted or broke its record (withdrawn).
    const ended = await readEndedAsk(dd, id, AskSchema);
    if (ended.kind === "parsed" && ended.value.state && ended.value.state !== "answered") {
      return { kind: "ended", ask: ended.value };
    }
    if (await readValidAnswer(dd, id)) return undefined; // answered meanwhile: read it on the next round
    const why = open.kind === "corrupt" ? `its record does not parse (${open.error})` : "its record was deleted";
    const withdrawn = await endAsk(dd, ask, { state: "withdrawn", now: new Date(), why });
    return { kind: "ended", ask: withdrawn };
  }, {
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
  if (r.value.kind === "ended") throw endedError(r.value.ask);
  return r.value.answer;
}
