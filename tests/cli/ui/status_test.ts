/** `watch`'s status line (cli/ui/status.ts): the pulse, asks, spend and the last decide in one line. */
import { assertEquals } from "../../assert.ts";
import { statusLine } from "../../../src/cli/ui/status.ts";
import type { Ask } from "../../../src/core/schemas.ts";
import type { WatchStatus } from "../../../src/state/state.ts";

const now = new Date("2026-12-01T12:00:00Z");
const base: WatchStatus = {
  pulse: { up: true, runner: "claude", decide: null, paused: null },
  runner_limit: null,
  spend: { today_usd: 0.5, budget_usd: 5 },
  last_decide: "2026-12-01T11:57:00Z",
};
const ask = (id: string, ts: string): Ask => ({ id, worker: id.split("-")[0], prompt: "deploy?", ts });

Deno.test("statusLine: pulse up, no asks, spend of the budget, the last decide's age", () => {
  assertEquals(statusLine(base, [], now), " pulse up · no asks · $0.50 today of $5.00 · last decide 3m ago");
});

Deno.test("statusLine: deciding, the pending asks with the oldest's age, no budget, no decide yet", () => {
  const s: WatchStatus = {
    ...base,
    pulse: { ...base.pulse, decide: { runner: "pi", since: "2026-12-01T11:59:48Z", run_id: "r" } },
    spend: { today_usd: 0.0012, budget_usd: null },
    last_decide: null,
  };
  const asks = [ask("w2-1", "2026-12-01T11:59:00Z"), ask("w1-1", "2026-12-01T11:50:00Z")];
  assertEquals(
    statusLine(s, asks, now),
    " pulse up, deciding (pi, 12s) · 2 asks (oldest 10m) · $0.0012 today · no decide yet",
  );
});

Deno.test("statusLine: a pause with its reason, a usage limit, and the pulse down says how to start it", () => {
  const paused: WatchStatus = {
    ...base,
    pulse: { ...base.pulse, paused: { since: "2026-12-01T11:00:00Z", reason: "incident 7" } },
  };
  assertEquals(
    statusLine(paused, [], now),
    " pulse up · PAUSED since 2026-12-01T11:00:00Z (incident 7): `looop resume` · no asks · $0.50 today of $5.00 · " +
      "last decide 3m ago",
  );
  const limited: WatchStatus = {
    ...base,
    runner_limit: { runner: "claude", until: "2026-12-01T13:00:00Z", reason: "x" },
  };
  assertEquals(
    statusLine(limited, [], now).split(" · ")[1],
    "runner claude at its usage limit until 2026-12-01T13:00:00Z",
  );
  const down: WatchStatus = { ...base, pulse: { up: false, runner: null, decide: null, paused: null } };
  assertEquals(statusLine(down, [ask("w1-1", "2026-12-01T11:59:30Z")], now).split(" · ").slice(0, 2), [
    " pulse down: run `looop up`",
    "1 ask (oldest 30s)",
  ]);
});
