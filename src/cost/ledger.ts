/** Recording spend in cost.jsonl (SPEC §9): positive amounts only, one whole line per record. */
import { LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { type LedgerRecord, LedgerRecordSchema } from "../core/schemas.ts";
import { appendLedger } from "../store/ledger.ts";
import type { DataDir } from "../store/layout.ts";

/** Append a record; a zero amount records nothing and returns undefined. */
export async function recordCost(
  dd: DataDir,
  entry: { kind: LedgerRecord["kind"]; id: string; runner: string; usd: number; now: Date },
): Promise<LedgerRecord | undefined> {
  safeId("session", entry.id); // the ledger names sessions, and ids are checked before anything is written
  if (entry.usd === 0) return undefined;
  const r = LedgerRecordSchema.safeParse({
    ts: entry.now.toISOString(),
    kind: entry.kind,
    id: entry.id,
    runner: entry.runner,
    cost_usd: entry.usd,
  });
  if (!r.success) {
    throw new LooopError(
      `invalid cost record: ${r.error.issues[0].message}`,
      "give a positive USD amount, an id and a runner",
    );
  }
  await appendLedger(dd, r.data);
  return r.data;
}
