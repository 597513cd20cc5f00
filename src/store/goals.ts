/** goals/<id>.md, PLAYBOOK.md and sensors/<name>.sh: the files humans and the pulse steer with. */
import { listNames, readTextIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

export type GoalFile = { id: string; text: string };

/** Every active goal, sorted by id, with its text. */
export async function readGoals(dd: DataDir): Promise<GoalFile[]> {
  const names = await listNames(dd.goalsDir, ".md");
  const texts = await Promise.all(names.map((n) => readTextIfExists(`${dd.goalsDir}/${n}`)));
  const out: GoalFile[] = [];
  names.forEach((n, i) => {
    const text = texts[i];
    if (text !== undefined) out.push({ id: n.slice(0, -3), text });
  });
  return out;
}

/** The one-line `goal:` from a goal's frontmatter, if it has one. */
export function goalLine(text: string): string | undefined {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!m) return undefined;
  const line = /^goal:\s*(.+)$/m.exec(m[1]);
  return line ? line[1].trim() : undefined;
}

export async function readPlaybook(dd: DataDir): Promise<string> {
  return (await readTextIfExists(dd.playbook)) ?? "";
}

export async function sensorNames(dd: DataDir): Promise<string[]> {
  return (await listNames(dd.sensorsDir)).filter((n) => /\.(sh|ts)$/.test(n)).map((n) => n.replace(/\.(sh|ts)$/, ""));
}
