/**
 * Receipts (SPEC §5): every beat is counted for the local day (beats, skips, decides, pauses by
 * reason, failures, spend) and leaves one line in the pulse log, so a human can see what the loop
 * did and did not spend, and `looop cost` what the skipped decides saved.
 */
import type { PulseNotes } from "./schemas.ts";
import { localDay } from "./time.ts";

export type Today = NonNullable<PulseNotes["today"]>;

/** What one beat came to, for its receipt. */
export type BeatTally = {
  outcome: "skipped" | "paused" | "moved" | "failed" | "stopped";
  /** the guard that paused it */
  why?: string;
  /** runner calls this beat made (a retried decide is more than one) */
  decides: number;
  spendUsd: number;
};

export function emptyToday(day: string): Today {
  return { day, beats: 0, skips: 0, decides: 0, failures: 0, pauses: {}, spend_usd: 0 };
}

/** Today's counters with one more beat; a new local day starts from zero. */
export function countBeat(prior: Today | undefined, now: Date, tally: BeatTally): Today {
  const day = localDay(now);
  const t = prior?.day === day ? prior : emptyToday(day);
  const pauses = { ...t.pauses };
  if (tally.outcome === "paused") pauses[tally.why ?? "other"] = (pauses[tally.why ?? "other"] ?? 0) + 1;
  return {
    day,
    beats: t.beats + 1,
    skips: t.skips + (tally.outcome === "skipped" ? 1 : 0),
    decides: t.decides + tally.decides,
    failures: t.failures + (tally.outcome === "failed" ? 1 : 0),
    pauses,
    // Rounded to a millionth of a dollar: a day of sums keeps no float dust.
    spend_usd: Math.round((t.spend_usd + tally.spendUsd) * 1e6) / 1e6,
  };
}

/** Decides a day's beats did not make: the world was unchanged, or a guard paused it. */
export function skippedDecides(t: Today): number {
  return t.skips + Object.values(t.pauses).reduce((a, b) => a + b, 0);
}

/** Today's average decide cost, when any decide reported one. */
export function averageDecideUsd(t: Today): number | undefined {
  return t.decides > 0 && t.spend_usd > 0 ? t.spend_usd / t.decides : undefined;
}

/** `skipped · today: 14 beats, 9 skipped, 4 decided, 1 paused (cap 1), 0 failed, $0.0450`. */
export function receiptLine(tally: BeatTally, t: Today): string {
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const what = tally.outcome === "paused" ? `paused (${tally.why})` : tally.outcome;
  const cost = tally.decides ? ` (${tally.decides} decide${tally.decides > 1 ? "s" : ""}, ${usd(tally.spendUsd)})` : "";
  const paused = Object.values(t.pauses).reduce((a, b) => a + b, 0);
  const byWhy = Object.entries(t.pauses).map(([k, v]) => `${k} ${v}`).join(", ");
  return `${what}${cost} · today: ${t.beats} beats, ${t.skips} skipped, ${t.decides} decided, ` +
    `${paused} paused${byWhy ? ` (${byWhy})` : ""}, ${t.failures} failed, ${usd(t.spend_usd)}`;
}
