/** asks/<ask_id>.json and answers/<ask_id>.json: the durable worker ↔ human mailbox. */
import type { Answer, Ask } from "../core/schemas.ts";
import { listNames, readJsonIfExists } from "../sys/fs.ts";
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

export async function readAsk(dd: DataDir, id: string): Promise<Ask | undefined> {
  const v = await readJsonIfExists(dd.ask(id));
  return isAsk(v) ? v : undefined;
}

export async function readAnswer(dd: DataDir, id: string): Promise<Answer | undefined> {
  const v = await readJsonIfExists(dd.answer(id));
  return isAnswer(v) ? v : undefined;
}

const idsIn = async (dir: string) => (await listNames(dir, ".json")).map((n) => n.slice(0, -5));

/** Ids of every ask ever made (answered or not). */
export function askIds(dd: DataDir): Promise<string[]> {
  return idsIn(dd.asksDir);
}

/** Asks without an answer, oldest first. Only the pending files are read. */
export async function pendingAsks(dd: DataDir): Promise<Ask[]> {
  const [asks, answers] = await Promise.all([idsIn(dd.asksDir), idsIn(dd.answersDir)]);
  const answered = new Set(answers);
  const read = await Promise.all(asks.filter((id) => !answered.has(id)).map((id) => readAsk(dd, id)));
  return read.filter((a): a is Ask => a !== undefined).sort((a, b) =>
    a.ts.localeCompare(b.ts) || a.id.localeCompare(b.id)
  );
}
