/** Spend arithmetic over ledger records (SPEC §9): per local day, per kind, per id. */
import type { LedgerRecord } from "./schemas.ts";
import { localDay } from "./time.ts";

export type DaySpend = {
  day: string;
  total_usd: number;
  by_kind: { tick: number; session: number };
  by_id: Record<string, number>;
};

/** Cents-safe rounding for display and JSON (ledger amounts are small decimals). */
export const roundUsd = (n: number) => Math.round(n * 1e6) / 1e6;

export function spendByDay(records: LedgerRecord[]): DaySpend[] {
  const days = new Map<string, DaySpend>();
  for (const r of records) {
    const day = localDay(new Date(r.ts));
    let d = days.get(day);
    if (!d) days.set(day, d = { day, total_usd: 0, by_kind: { tick: 0, session: 0 }, by_id: {} });
    d.total_usd += r.cost_usd;
    d.by_kind[r.kind] += r.cost_usd;
    d.by_id[r.id] = (d.by_id[r.id] ?? 0) + r.cost_usd;
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day)).map((d) => ({
    day: d.day,
    total_usd: roundUsd(d.total_usd),
    by_kind: { tick: roundUsd(d.by_kind.tick), session: roundUsd(d.by_kind.session) },
    by_id: Object.fromEntries(Object.entries(d.by_id).sort().map(([k, v]) => [k, roundUsd(v)])),
  }));
}

/** Total spend on the local day of `now`. */
export function spentToday(records: LedgerRecord[], now: Date): number {
  const today = localDay(now);
  let sum = 0;
  for (const r of records) if (localDay(new Date(r.ts)) === today) sum += r.cost_usd;
  return roundUsd(sum);
}

/** An amount given on the command line: a finite number ≥ 0, or undefined. */
export function parseUsd(text: string): number | undefined {
  if (!/^\s*(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
