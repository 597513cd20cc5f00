/** The beat's guards (core/guards.ts), one by one: pure functions of the pulse's state, the time and the config. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseConfig } from "../../src/core/config.ts";
import {
  afterDecide,
  afterFailure,
  afterSuccess,
  backoffDelayS,
  backoffGuard,
  budgetGuard,
  decideCapGuard,
  guardLimits,
  maxWorkers,
  neglectedGoal,
  noopTtlDue,
  type PulseState,
  runnerLimitGuard,
  trackFlapping,
  unmeteredGuard,
  usdText,
} from "../../src/core/guards.ts";
import { localDay } from "../../src/core/time.ts";

const now = new Date(2026, 11, 1, 12, 0, 0);
const config = (text = "{}") => parseConfig(text, "/c/config.json").config;
const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000).toISOString();
const empty: PulseState = { notes: {} };

Deno.test("backoff: 60 s doubling per failure, capped at 5 min", () => {
  assertEquals([1, 2, 3, 4, 5, 9].map(backoffDelayS), [60, 120, 240, 300, 300, 300]);
});

Deno.test("backoff guard: waits out the delay; a moving sensor does not cut it short, a PLAYBOOK or goal edit does", () => {
  const state: PulseState = {
    notes: {},
    backoff: { failures: 2, hash: "h1", steer: "s1", ts: at(30), reason: "boom" },
  };
  const v = backoffGuard(state, now, { hash: "h1", steer: "s1" });
  assert(v.kind === "pause");
  assertEquals([v.why, v.retryInS], ["backoff", 90]);
  assertEquals(v.msg, "2 failed decide(s): next try in 90s (a PLAYBOOK or goal edit tries at once)");
  assertEquals(v.journal, undefined, "a backoff is logged, not journaled");
  assertEquals(backoffGuard(state, now, { hash: "h2", steer: "s1" }).kind, "pause", "a sensor moved: still waiting");
  assertEquals(backoffGuard(state, now, { hash: "h2", steer: "s2" }).kind, "go", "a human edited a goal");
  const later = { ...state, backoff: { ...state.backoff!, ts: at(121) } };
  assertEquals(backoffGuard(later, now, { hash: "h1", steer: "s1" }).kind, "go", "the delay is over");
  assertEquals(backoffGuard(empty, now, { hash: "h1", steer: "s1" }).kind, "go");
  // A record written before `steer` was kept compares the whole world, as it did.
  const old: PulseState = { notes: {}, backoff: { failures: 1, hash: "h1", ts: at(10), reason: "boom" } };
  assertEquals(backoffGuard(old, now, { hash: "h1", steer: "s1" }).kind, "pause");
  assertEquals(backoffGuard(old, now, { hash: "h2", steer: "s1" }).kind, "go");
});

Deno.test("budget guard: at or over max_daily_usd pauses; journals once per local day", () => {
  const cfg = config(`{"max_daily_usd": 0.5}`);
  assertEquals(budgetGuard(empty, now, cfg, 0.49).kind, "go");
  const v = budgetGuard(empty, now, cfg, 0.5);
  assert(v.kind === "pause");
  assertEquals(v.why, "budget");
  assertEquals(v.msg, "daily budget reached ($0.5000 ≥ $0.5000) — AI paused until local midnight");
  assertEquals(v.journal, v.msg);
  assertEquals(v.notes?.budget_day, localDay(now));
  const again = budgetGuard({ notes: { budget_day: localDay(now) } }, now, cfg, 3);
  assert(again.kind === "pause");
  assertEquals([again.journal, again.notes], [undefined, undefined], "the same day: no second journal line");
  assertEquals(budgetGuard(empty, now, config(), 1e9).kind, "go", "no budget, no breaker");
});

Deno.test("unmetered guard: with a budget, 3 uncosted decides of this runner pause; another runner or no budget goes", () => {
  const cfg = config(`{"max_daily_usd": 1}`);
  const runner = { key: "k1", configPath: "/c/config.json" };
  const after = (streak: number, key = "k1"): PulseState => ({ notes: { unmetered: { streak, runner: key } } });
  assertEquals(unmeteredGuard(after(2), now, cfg, runner).kind, "go");
  const v = unmeteredGuard(after(3), now, cfg, runner);
  assert(v.kind === "pause");
  assertEquals(v.why, "unmetered");
  assert(v.msg.includes(`declare "cost": {"type", "pointer", "mode"} for it under "runners" in /c/config.json`), v.msg);
  assertEquals(v.notes?.unmetered_day, localDay(now));
  assertEquals(unmeteredGuard(after(3, "k2"), now, cfg, runner).kind, "go", "the streak was another runner's");
  assertEquals(unmeteredGuard(after(9), now, config(), runner).kind, "go", "without a budget nothing pauses");
});

Deno.test("afterDecide: no cost adds one, a cost resets, a missing runner leaves the streak alone", () => {
  const s1 = afterDecide(empty, "k", { notFound: false, costUsd: undefined, now });
  assertEquals(s1.notes.unmetered, { streak: 1, runner: "k" });
  assertEquals(afterDecide(s1, "k", { notFound: false, costUsd: undefined, now }).notes.unmetered?.streak, 2);
  assertEquals(afterDecide(s1, "k", { notFound: true, costUsd: undefined, now }).notes.unmetered?.streak, 1);
  assertEquals(afterDecide(s1, "k", { notFound: false, costUsd: 0.01, now }).notes.unmetered?.streak, 0);
  assertEquals(afterDecide(s1, "other", { notFound: false, costUsd: undefined, now }).notes.unmetered?.streak, 1);
});

Deno.test("afterFailure counts on and journals a reason once; afterSuccess starts over", () => {
  const w = { hash: "h", steer: "s" };
  const f1 = afterFailure(empty, now, w, { reason: "r", journal: "decide failed: r" });
  assertEquals([f1.failures, f1.journal, f1.state.backoff?.hash, f1.state.backoff?.steer], [
    1,
    "decide failed: r",
    "h",
    "s",
  ]);
  // Another world (a sensor moved) is no reset: only a success is.
  const f2 = afterFailure(f1.state, now, { hash: "h2", steer: "s" }, { reason: "r", journal: "decide failed: r" });
  assertEquals([f2.failures, f2.journal], [2, undefined]);
  const ok = afterSuccess(f2.state);
  assertEquals([ok.backoff, ok.notes.last_failure_journaled], [undefined, undefined]);
});

Deno.test("fairness: a goal never acted on comes first, then the one acted on longest ago", () => {
  assertEquals(neglectedGoal(["a", "b"], { a: at(10), b: at(100) }, now), { goal: "b", lastActedS: 100 });
  assertEquals(neglectedGoal(["a", "b"], { a: at(10) }, now), { goal: "b", lastActedS: null });
  assertEquals(neglectedGoal([], {}, now), undefined);
});

Deno.test("usdText: four decimals under a dollar, cents from a dollar up", () => {
  assertEquals([usdText(0.005), usdText(1), usdText(12.345)], ["$0.0050", "$1.00", "$12.35"]);
});

Deno.test("decide caps: the hourly cap pauses until the oldest decide of the hour leaves it; journaled once", () => {
  const caps = { perHour: 3, perDay: 5 };
  let s: PulseState = empty;
  for (const ago of [50 * 60, 20 * 60, 60]) {
    s = afterDecide(s, "k", { notFound: false, costUsd: 0.01, now: new Date(now.getTime() - ago * 1000) });
  }
  const v = decideCapGuard(s, now, caps);
  assert(v.kind === "pause");
  assertEquals([v.why, v.retryInS], ["cap", 10 * 60]);
  assertEquals(
    v.msg,
    "3 decides in the last hour reached the cap of 3 (max_decides_per_hour): the next decide in 600s",
  );
  assertEquals(v.journal, v.msg);
  const again = decideCapGuard({ ...s, notes: v.notes! }, new Date(now.getTime() + 1000), caps);
  assert(again.kind === "pause");
  assertEquals(again.journal, undefined, "engaged once, journaled once");
  // Ten minutes on, the oldest decide has left the hour: the cap disengages.
  assertEquals(decideCapGuard(s, new Date(now.getTime() + 600_001), caps).kind, "go");
  assertEquals(decideCapGuard(s, now, { perHour: 4, perDay: 5 }).kind, "go");
});

Deno.test("decide caps: the daily cap counts a day; a decide whose runner was missing does not count", () => {
  let s: PulseState = empty;
  for (let h = 23; h >= 19; h--) {
    s = afterDecide(s, "k", { notFound: false, costUsd: 0.01, now: new Date(now.getTime() - h * 3600_000) });
  }
  s = afterDecide(s, "k", { notFound: true, costUsd: undefined, now });
  assertEquals(s.notes.decides?.length, 5);
  const v = decideCapGuard(s, now, { perHour: 30, perDay: 5 });
  assert(v.kind === "pause");
  assertEquals(v.retryInS, 3600, "the oldest (23 h ago) leaves the day in an hour");
  assertMatch(v.msg, /^5 decides in the last day reached the cap of 5 \(max_decides_per_day\)/);
  // A day's record is all that is kept: three hours on, the decides of 23, 22 and 21 hours ago are gone.
  const later = afterDecide(s, "k", { notFound: false, costUsd: 0.01, now: new Date(now.getTime() + 3 * 3600_000) });
  assertEquals(later.notes.decides?.length, 3);
});

Deno.test("guard limits: the config's settings, each with its env override as the original looop names it", () => {
  const cfg = config(
    `{"max_decides_per_hour": 10, "max_next_interval_s": 60, "tick_timeout_s": 120, "noop_ttl_s": 600, ` +
      `"flap_streak": 6, "runner_retries": 1, "playbook_keep": 5, "worker_stuck_s": 300}`,
  );
  assertEquals(guardLimits(cfg, () => undefined), {
    caps: { perHour: 10, perDay: 300 },
    maxNextIntervalS: 60,
    tickTimeoutS: 120,
    noopTtlS: 600,
    flapStreak: 6,
    runnerRetries: 1,
    playbookKeep: 5,
    workerStuckS: 300,
  });
  const env: Record<string, string> = {
    LOOOP_MAX_DECIDES_PER_HOUR: "2",
    LOOOP_MAX_NEXT_INTERVAL: "900",
    LOOOP_TICK_TIMEOUT_SECS: "30",
    LOOOP_NOOP_TTL: "60",
    LOOOP_FLAP_STREAK: "3",
    LOOOP_RUNNER_RETRIES: "0",
    LOOOP_PLAYBOOK_KEEP: "3",
    LOOOP_WORKER_STUCK_SECS: "2",
  };
  assertEquals(guardLimits(cfg, (n) => env[n]), {
    caps: { perHour: 2, perDay: 300 },
    maxNextIntervalS: 900,
    tickTimeoutS: 30,
    noopTtlS: 60,
    flapStreak: 3,
    runnerRetries: 0,
    playbookKeep: 3,
    workerStuckS: 2,
  });
  assertEquals(guardLimits(config(), (n) => (n === "LOOOP_TICK_TIMEOUT_SECS" ? "soon" : undefined)).tickTimeoutS, 600);
  assertEquals(
    guardLimits(config(), (n) => (n === "LOOOP_FLAP_STREAK" ? "1" : undefined)).flapStreak,
    4,
    "below 2: ignored",
  );
  assertEquals(guardLimits(config(), () => undefined), {
    caps: { perHour: 30, perDay: 300 },
    maxNextIntervalS: 300,
    tickTimeoutS: 600,
    noopTtlS: 21600,
    flapStreak: 4,
    runnerRetries: 2,
    playbookKeep: 20,
    workerStuckS: 900,
  });
  // LOOOP_PLAYBOOK_KEEP counts from 0 (keep none); anything but a whole number leaves the config's.
  const keep = (v: string) => guardLimits(cfg, (n) => (n === "LOOOP_PLAYBOOK_KEEP" ? v : undefined)).playbookKeep;
  assertEquals(["0", "12", "-1", "2.5", "many", " 4"].map(keep), [0, 12, 5, 5, 5, 5]);
});

Deno.test("noop TTL: a settled world is due again once the TTL after its noop has passed; journaled once per noop", () => {
  const settled: PulseState = { notes: { noop: { at: at(3600), hash: "h" } } };
  assertEquals(noopTtlDue(settled, now, "h", 7200).due, false, "within the TTL the noop stands");
  const due = noopTtlDue(settled, now, "h", 1800);
  assert(due.due);
  assertEquals(due.journal, `world unchanged since a noop at ${at(3600)}: deciding again (noop TTL 1800s)`);
  const again = noopTtlDue({ notes: due.notes! }, now, "h", 1800);
  assert(again.due);
  assertEquals([again.journal, again.notes], [undefined, undefined], "due until a decide lands, journaled once");
  assertEquals(noopTtlDue(settled, now, "other", 1800).due, false, "the noop was about another world");
  assertEquals(noopTtlDue(empty, now, "h", 1).due, false);
});

Deno.test("flapping: a signal that changes on N beats in a row is damped until it holds still; sys- readings never", () => {
  let flap: ReturnType<typeof trackFlapping>["flap"] | undefined;
  const seen: string[][] = [];
  // Beat 1 is the first reading; beats 2..5 each change it; beat 6 holds still; beat 7 changes once.
  for (const sig of ["a", "b", "a", "b", "a", "a", "b"]) {
    const f = trackFlapping(flap, { "sensor-x": sig, "sensor-calm": "c", "sys-asks": sig }, 4);
    flap = f.flap;
    seen.push([f.damped.join(), f.engaged.join(), f.released.join()]);
  }
  assertEquals(seen, [
    ["", "", ""],
    ["", "", ""],
    ["", "", ""],
    ["", "", ""],
    ["sensor-x", "sensor-x", ""],
    ["", "", "sensor-x"],
    ["", "", ""],
  ]);
  assertEquals(flap?.["sys-asks"], undefined, "looop's own readings are not tracked");
});

Deno.test("runner limit guard: no decide until the reset time, then go", () => {
  const limited: PulseState = {
    notes: {
      runner_limit: { until: new Date(now.getTime() + 90_000).toISOString(), reason: "usage limit", runner: "pi" },
    },
  };
  const v = runnerLimitGuard(limited, now);
  assert(v.kind === "pause");
  assertEquals([v.why, v.retryInS], ["runner_limit", 90]);
  assertEquals(runnerLimitGuard(limited, new Date(now.getTime() + 90_000)).kind, "go");
  assertEquals(runnerLimitGuard(empty, now).kind, "go");
});

Deno.test("max workers: the config's max_workers, or LOOOP_MAX_WORKERS when it is a whole number from 1", () => {
  const cfg = config(`{"max_workers": 3}`);
  assertEquals(maxWorkers(cfg, () => undefined), 3);
  assertEquals(maxWorkers(cfg, () => "50"), 50);
  for (const bad of ["0", "-1", "2.5", "many", ""]) assertEquals(maxWorkers(cfg, () => bad), 3, bad);
});
