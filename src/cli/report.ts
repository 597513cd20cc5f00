/** `looop cost`'s report, shared by the verb and `looop demo`. */
import { roundUsd, spendByDay, spentToday } from "../core/cost.ts";
import { averageDecideUsd, skippedDecides } from "../core/receipts.ts";
import { localDay } from "../core/time.ts";
import { readNotesView } from "../store/bookkeeping.ts";
import type { DataDir } from "../store/layout.ts";
import { readLedger } from "../store/ledger.ts";
import { config } from "./context.ts";
import { print, printJson, styles } from "./io.ts";

const usd = (n: number) => `$${n.toFixed(4)}`;

/** Spend from the ledger, today's or all of it, as a table or one JSON document. */
export async function printCost(dd: DataDir, range: "today" | "all", json: boolean): Promise<void> {
  const now = new Date();
  const { records, badLines } = await readLedger(dd);
  const today = localDay(now);
  const days = spendByDay(records).filter((d) => range === "all" || d.day === today);
  const total = roundUsd(days.reduce((s, d) => s + d.total_usd, 0));
  const budget = (await config(dd)).max_daily_usd ?? null;
  const saved = await skippedToday(dd, today);
  if (json) {
    return printJson({
      range,
      days,
      total_usd: total,
      today_usd: spentToday(records, now),
      budget_usd: budget,
      skipped_decides: saved,
      bad_lines: badLines,
    });
  }
  const { bold, dim } = styles();
  if (!days.length) print(range === "today" ? "no spend today" : "no spend recorded");
  for (const d of days) {
    print(
      `${bold(d.day)}  ${usd(d.total_usd)}  ${dim(`tick ${usd(d.by_kind.tick)}, session ${usd(d.by_kind.session)}`)}`,
    );
    for (const [id, v] of Object.entries(d.by_id)) print(`  ${id.padEnd(24)} ${usd(v)}`);
  }
  if (range === "all" && days.length > 1) print(`${bold("total")}       ${usd(total)}`);
  if (budget !== null) print(dim(`budget: ${usd(spentToday(records, now))} of $${budget} today`));
  if (saved.beats) {
    const would = saved.would_have_cost_usd === null
      ? "no decide today reported a cost to price them at"
      : `at today's average decide (${usd(saved.average_decide_usd!)}) they would have cost ${
        usd(saved.would_have_cost_usd)
      }`;
    print(dim(`skipped today: ${saved.count} decides of ${saved.beats} beats (unchanged world or a guard); ${would}`));
  }
  if (badLines) print(dim(`${badLines} unreadable ledger line(s) skipped`));
}

/** The decides today's beats skipped (unchanged world, or a guard paused them), priced at today's average decide. */
async function skippedToday(dd: DataDir, day: string) {
  const t = (await readNotesView(dd)).today;
  const today = t?.day === day ? t : undefined;
  const count = today ? skippedDecides(today) : 0;
  const avg = today ? averageDecideUsd(today) : undefined;
  return {
    beats: today?.beats ?? 0,
    count,
    average_decide_usd: avg === undefined ? null : roundUsd(avg),
    would_have_cost_usd: avg === undefined ? null : roundUsd(avg * count),
  };
}
