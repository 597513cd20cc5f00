/**
 * asks/<ask_id>.json and answers/<ask_id>.json: the durable worker ↔ human mailbox.
 * An ask is open while it sits in asks/: pending (no answer yet) or answered but not yet
 * delivered to its worker. Once `_ ask` has printed the answer, the ask moves to asks/done/,
 * so the open part of the mailbox stays small however long the history grows.
 */
import type { Answer, Ask } from "../core/schemas.ts";
import { exists, listNames, moveFile, readJsonIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

function isAsk(v: unknown): v is Ask {
  const a = v as Ask;
  return !!a && typeof a === "object" && typeof a.id === "string" && typeof a.worker === "string" &&
    typeof a.prompt === "string";
}

function isAnswer(v: unknown): v is Answer {
  const a = v as Answer;
  return !!a && typeof a === "object" && typeof a.id === "string" && typeof a.answer === "string";
}

/** An ask, open or done. */
export async function readAsk(dd: DataDir, id: string): Promise<Ask | undefined> {
  const v = (await readJsonIfExists(dd.ask(id))) ?? (await readJsonIfExists(dd.doneAsk(id)));
  return isAsk(v) ? v : undefined;
}

export async function readAnswer(dd: DataDir, id: string): Promise<Answer | undefined> {
  const v = await readJsonIfExists(dd.answer(id));
  return isAnswer(v) ? v : undefined;
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
    const ask = await readJsonIfExists(dd.ask(id));
    return isAsk(ask) ? { ask, answered: await exists(dd.answer(id)) } : undefined;
  }));
  return rows.filter((r) => r !== undefined).sort((a, b) => byTime(a.ask, b.ask));
}

/** Asks still waiting for a human, oldest first. */
export async function pendingAsks(dd: DataDir): Promise<Ask[]> {
  return (await openAsks(dd)).filter((r) => !r.answered).map((r) => r.ask);
}

/** The worker has the answer: file the ask under asks/done/. */
export async function markDelivered(dd: DataDir, id: string): Promise<void> {
  if (await exists(dd.ask(id))) await moveFile(dd.ask(id), dd.doneAsk(id));
}
