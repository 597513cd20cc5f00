/** cost.jsonl: the append-only spend ledger, one JSON record per line. */
import type { LedgerRecord } from "../core/schemas.ts";
import { appendLines, readTextIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

export async function appendLedger(dd: DataDir, record: LedgerRecord): Promise<void> {
  await appendLines(dd.ledger, JSON.stringify(record) + "\n");
}

function isRecord(v: unknown): v is LedgerRecord {
  const r = v as LedgerRecord;
  return !!r && typeof r === "object" && typeof r.ts === "string" && typeof r.cost_usd === "number" &&
    Number.isFinite(r.cost_usd) && r.cost_usd > 0 && (r.kind === "tick" || r.kind === "session");
}

/** Every valid record; a line that does not parse is counted, never fatal. */
export async function readLedger(dd: DataDir): Promise<{ records: LedgerRecord[]; badLines: number }> {
  const text = (await readTextIfExists(dd.ledger)) ?? "";
  const records: LedgerRecord[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (isRecord(v)) records.push(v);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { records, badLines };
}
