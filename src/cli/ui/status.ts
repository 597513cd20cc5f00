/**
 * `watch`'s status line, pure: the pulse (up, deciding, paused, down and how to start it), what
 * waits on a human, today's spend against the budget, and the last decide.
 */
import { formatAge } from "../../core/duration.ts";
import type { Ask } from "../../core/schemas.ts";
import type { WatchStatus } from "../../state/state.ts";

const usd = (n: number) => `$${n.toFixed(n > 0 && n < 0.01 ? 4 : 2)}`;

export function statusLine(s: WatchStatus, asks: Ask[], now: Date): string {
  const ago = (iso: string) => formatAge((now.getTime() - Date.parse(iso)) / 1000);
  const parts: string[] = [];
  const p = s.pulse;
  if (!p.up) parts.push("pulse down: run `looop up`");
  else if (p.decide) parts.push(`pulse up, deciding (${p.decide.runner}, ${ago(p.decide.since)})`);
  else parts.push("pulse up");
  if (p.paused) {
    parts.push(`PAUSED since ${p.paused.since}${p.paused.reason ? ` (${p.paused.reason})` : ""}: \`looop resume\``);
  } else if (s.runner_limit) {
    parts.push(`runner ${s.runner_limit.runner} at its usage limit until ${s.runner_limit.until}`);
  }
  if (asks.length) {
    const oldest = asks.map((a) => a.ts).reduce((a, b) => (a < b ? a : b));
    parts.push(`${asks.length} ask${asks.length > 1 ? "s" : ""} (oldest ${ago(oldest)})`);
  } else parts.push("no asks");
  const budget = s.spend.budget_usd;
  parts.push(`${usd(s.spend.today_usd)} today${budget === null ? "" : ` of ${usd(budget)}`}`);
  parts.push(s.last_decide ? `last decide ${ago(s.last_decide)} ago` : "no decide yet");
  return ` ${parts.join(" · ")}`;
}
