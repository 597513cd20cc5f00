/** Receipts (core/receipts.ts): today's counters and the one line each beat leaves. */
import { assertEquals } from "../assert.ts";
import { averageDecideUsd, countBeat, receiptLine, skippedDecides } from "../../src/core/receipts.ts";
import { localDay } from "../../src/core/time.ts";

const now = new Date(2026, 11, 1, 12, 0, 0);

Deno.test("receipts: each beat counted by what it came to; a new local day starts over", () => {
  let t = countBeat(undefined, now, { outcome: "skipped", decides: 0, spendUsd: 0 });
  t = countBeat(t, now, { outcome: "moved", decides: 1, spendUsd: 0.003 });
  t = countBeat(t, now, { outcome: "failed", decides: 2, spendUsd: 0.001 });
  t = countBeat(t, now, { outcome: "paused", why: "cap", decides: 0, spendUsd: 0 });
  t = countBeat(t, now, { outcome: "paused", why: "cap", decides: 0, spendUsd: 0 });
  assertEquals(t, {
    day: localDay(now),
    beats: 5,
    skips: 1,
    decides: 3,
    failures: 1,
    pauses: { cap: 2 },
    spend_usd: 0.004,
  });
  assertEquals(skippedDecides(t), 3);
  assertEquals(averageDecideUsd(t)?.toFixed(6), "0.001333");
  assertEquals(
    receiptLine({ outcome: "paused", why: "cap", decides: 0, spendUsd: 0 }, t),
    "paused (cap) · today: 5 beats, 1 skipped, 3 decided, 2 paused (cap 2), 1 failed, $0.0040",
  );
  const tomorrow = countBeat(t, new Date(2026, 11, 2, 0, 0, 1), { outcome: "skipped", decides: 0, spendUsd: 0 });
  assertEquals([tomorrow.beats, tomorrow.skips, tomorrow.decides, tomorrow.spend_usd], [1, 1, 0, 0]);
  assertEquals(averageDecideUsd(tomorrow), undefined, "no decide today: nothing to average");
});
