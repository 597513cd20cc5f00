/** journal.md: the append-only action log, one `- YYYY-MM-DD HH:MM <text>` line per entry. */
import { journalLine } from "../core/time.ts";
import { appendLines, readTail } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

export async function appendJournal(dd: DataDir, now: Date, text: string): Promise<string> {
  const line = journalLine(now, text);
  await appendLines(dd.journal, line);
  return line.trimEnd();
}

/** The last `n` lines of the journal, oldest first, read from the end of the file. */
export async function journalTail(dd: DataDir, n = 20): Promise<string[]> {
  let bytes = 8192;
  while (true) {
    const text = await readTail(dd.journal, bytes);
    const lines = text.split("\n").filter((l) => l.length > 0);
    const complete = text.length < bytes; // we read the whole file
    if (complete || lines.length > n) return lines.slice(-n);
    bytes *= 4;
  }
}
