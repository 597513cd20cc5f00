/**
 * asks/<ask_id>.json and answers/<ask_id>.json: the durable worker ↔ human mailbox.
 * An ask is open while it sits in asks/: pending (no answer yet) or answered but not yet
 * delivered to its worker. It ends in one of three final states, and its record moves to
 * asks/done/ with the state, when and why: answered (`_ ask` printed the answer), expired (its
 * worker is gone: killed, exited, dead), or withdrawn (a human deleted its record).
 * So the open part of the mailbox stays small however long the history grows.
 */
import type { Answer, Ask, AskEnd } from "../core/schemas.ts";
import { exists, listNames, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";
import { checked, readStateFile, type Schema, type StateRead } from "./read.ts";
import { PULSE_ID, readSession } from "./sessions.ts";

function isAsk(v: unknown): v is Ask {
  const a = v as Ask;
  return !!a && typeof a === "object" && typeof a.id === "string" && typeof a.worker === "string" &&
    typeof a.prompt === "string";
}

function isAnswer(v: unknown): v is Answer {
  const a = v as Answer;
  return !!a && typeof a === "object" && typeof a.id === "string" && typeof a.answer === "string";
}

const ASK = checked("an ask", isAsk);
const ANSWER = checked("an answer", isAnswer);

/**
 * The reads of an ask: the mailbox, which acts on one, passes AskSchema (core/schemas.ts);
 * `_ state` and the listings use the hand check.
 */
export type AskSchemaLike = Schema<Ask>;

/** An ask, open or (when not open) done. */
export async function readAsk(dd: DataDir, id: string, schema: AskSchemaLike = ASK): Promise<StateRead<Ask>> {
  const open = await readStateFile(dd.ask(id), schema);
  return open.kind === "absent" ? readStateFile(dd.doneAsk(id), schema) : open;
}

/** The open ask (still in asks/), if it is there. */
export function readOpenAsk(dd: DataDir, id: string, schema: AskSchemaLike = ASK): Promise<StateRead<Ask>> {
  return readStateFile(dd.ask(id), schema);
}

/** The ask's record under asks/done/, once it ended. */
export function readEndedAsk(dd: DataDir, id: string, schema: AskSchemaLike = ASK): Promise<StateRead<Ask>> {
  return readStateFile(dd.doneAsk(id), schema);
}

export function readAnswer(dd: DataDir, id: string, schema: Schema<Answer> = ANSWER): Promise<StateRead<Answer>> {
  return readStateFile(dd.answer(id), schema);
}

const idsIn = async (dir: string) => (await listNames(dir, ".json")).map((n) => n.slice(0, -5));

/** Ids of every ask ever made (open and done). */
export async function askIds(dd: DataDir): Promise<string[]> {
  return [...await idsIn(dd.asksDir), ...await idsIn(dd.asksDoneDir)];
}

const byTime = (a: Ask, b: Ask) => a.ts.localeCompare(b.ts) || a.id.localeCompare(b.id);

/** Open asks (pending or answered but undelivered), oldest first, each with whether it is answered. */
export async function openAsks(dd: DataDir): Promise<{ ask: Ask; answered: boolean }[]> {
  const ids = await idsIn(dd.asksDir);
  const rows = await Promise.all(ids.map(async (id) => {
    // A record that does not parse is no ask to list: `_ ask` waiting on it withdraws it, saying why.
    const ask = await readOpenAsk(dd, id);
    return ask.kind === "parsed"
      ? { ask: ask.value, answered: (await readAnswer(dd, id)).kind === "parsed" }
      : undefined;
  }));
  return rows.filter((r) => r !== undefined).sort((a, b) => byTime(a.ask, b.ask));
}

/**
 * How the worker of an ask ended, when it did: its session has run (it has a meta) and its host
 * holds the lock no more. An ask of a worker that never had a session (asked by hand) stays live.
 */
export async function workerGone(dd: DataDir, worker: string): Promise<string | undefined> {
  if (worker === PULSE_ID) return undefined;
  const s = await readSession(dd, worker).catch(() => undefined);
  if (!s?.meta || s.status.kind === "running") return undefined;
  return s.status.kind === "exited" ? `exited ${s.status.code ?? "?"}` : s.status.kind;
}

type OpenAsk = Awaited<ReturnType<typeof openAsks>>[number];

/** Open asks whose worker is gone (see workerGone), each with how it ended; `open`: openAsks, if read already. */
export async function orphanedAsks(dd: DataDir, open?: OpenAsk[]): Promise<{ ask: Ask; why: string }[]> {
  const gone = new Map<string, string | undefined>();
  const out: { ask: Ask; why: string }[] = [];
  for (const { ask } of open ?? await openAsks(dd)) {
    if (!gone.has(ask.worker)) gone.set(ask.worker, await workerGone(dd, ask.worker));
    const why = gone.get(ask.worker);
    if (why) out.push({ ask, why: `worker ${ask.worker} ${why}` });
  }
  return out;
}

/** Asks still waiting for a human, oldest first: unanswered, and their worker still there. */
export async function pendingAsks(dd: DataDir): Promise<Ask[]> {
  const open = await openAsks(dd);
  const gone = new Set((await orphanedAsks(dd, open)).map((o) => o.ask.id));
  return open.filter((r) => !r.answered && !gone.has(r.ask.id)).map((r) => r.ask);
}

/**
 * End an ask: its record, with the final state, when and why, goes to asks/done/ (written first,
 * so a crash in between leaves it ended, never lost). `ask` is its record as last read.
 */
export async function endAsk(dd: DataDir, ask: Ask, end: { state: AskEnd; now: Date; why?: string }): Promise<Ask> {
  const ended: Ask = {
    ...ask,
    state: end.state,
    ended: end.now.toISOString(),
    ...(end.why ? { why: end.why } : {}),
  };
  await writeFileAtomic(dd.doneAsk(ask.id), JSON.stringify(ended, null, 2) + "\n", 0o600);
  await removeIfExists(dd.ask(ask.id));
  return ended;
}

/** Is there an answer file, valid or not? */
export function answerFileExists(dd: DataDir, id: string): Promise<boolean> {
  return exists(dd.answer(id));
}
