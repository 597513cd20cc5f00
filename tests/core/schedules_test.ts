/**
 * Durable schedules (issue #16): due-ness as a signal from the file and an injected clock. A
 * one-shot changes once (pending → due), a repeating one once per period, and recomputing from the
 * same file at the same time (a restarted pulse) gives the same signal, so nothing is lost or doubled.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import {
  nextDue,
  nextWake,
  type ScheduleEntry,
  scheduleOf,
  scheduleSignal,
  schedulesReading,
} from "../../src/core/schedules.ts";
import { type Schedule, ScheduleSchema } from "../../src/core/schemas.ts";
import { canonicalJson } from "../../src/core/world.ts";

const T0 = new Date("2024-01-15T09:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

const once = (inS: number, note = "ping the team"): Schedule =>
  scheduleOf({ action: "write_schedule", name: "ping", in_s: inS, note }, T0);
const every = (everyS: number): Schedule =>
  scheduleOf({ action: "write_schedule", name: "tick", every_s: everyS, note: "hourly check" }, T0);

/** How many times the signal changed over `times`: each change is one changed world, so one decide. */
function changes(signalAt: (t: Date) => unknown, times: Date[]): number {
  let n = 0;
  let last = canonicalJson(signalAt(times[0]));
  for (const t of times.slice(1)) {
    const now = canonicalJson(signalAt(t));
    if (now !== last) n++;
    last = now;
  }
  return n;
}

/** A beat every `stepS` seconds from T0 for `forS` seconds. */
const beats = (stepS: number, forS: number) =>
  Array.from({ length: Math.floor(forS / stepS) + 1 }, (_, i) => at(i * stepS));

Deno.test("scheduleOf writes a file its schema accepts: a one-shot due in_s from now, a repeating one anchored now", () => {
  const o = once(90);
  assertEquals(o, {
    name: "ping",
    note: "ping the team",
    created: T0.toISOString(),
    kind: "once",
    due: at(90).toISOString(),
  });
  const e = every(3600);
  assertEquals(e, {
    name: "tick",
    note: "hourly check",
    created: T0.toISOString(),
    kind: "every",
    every_s: 3600,
    anchor: T0.toISOString(),
  });
  for (const s of [o, e]) assertEquals(ScheduleSchema.safeParse(s).success, true);
  assertEquals(scheduleOf({ action: "write_schedule", name: "n", in_s: 5 }, T0).note, "", "no note is an empty one");
});

Deno.test("a one-shot is pending before its time, due from it on, and its signal changes exactly once", () => {
  const s = once(90);
  assertEquals(scheduleSignal(s, at(0)), "pending");
  assertEquals(scheduleSignal(s, at(89.999)), "pending");
  assertEquals(scheduleSignal(s, at(90)), "due");
  assertEquals(scheduleSignal(s, at(86400 * 30)), "due", "it stays due until dropped");
  assertEquals(changes((t) => scheduleSignal(s, t), beats(7, 3600)), 1, "one change over an hour of beats");
  assertEquals(nextDue(s, at(10))?.toISOString(), at(90).toISOString());
  assertEquals(nextDue(s, at(90)), undefined, "a due one-shot changes no more");
});

Deno.test("a repeating schedule's signal is its period count: it changes once per period, first after one period", () => {
  const s = every(60);
  assertEquals([0, 59.9, 60, 119, 120, 3600].map((x) => scheduleSignal(s, at(x))), [0, 0, 1, 1, 2, 60]);
  // Beats every 5 s for 10 minutes (0..600 s): 10 periods, 10 changes, never two in one period.
  assertEquals(changes((t) => scheduleSignal(s, t), beats(5, 600)), 10);
  // Beats every 7 s (0..595 s) see the same periods, whatever their phase: 9 changes, none doubled.
  assertEquals(changes((t) => scheduleSignal(s, t), beats(7, 600)), 9);
  assertEquals(nextDue(s, at(0))?.toISOString(), at(60).toISOString());
  assertEquals(nextDue(s, at(61))?.toISOString(), at(120).toISOString());
  // A clock set back before the anchor does not count down.
  assertEquals(scheduleSignal(s, at(-3600)), 0);
});

Deno.test("a restart recomputes the same signal from the file and the clock: nothing lost, nothing doubled", () => {
  // The pulse's world is the signal; it decides when the signal differs from the one it last decided on.
  const decidesOver = (s: Schedule, times: Date[], restartAt: number) => {
    let decided = canonicalJson(scheduleSignal(s, times[0]));
    let n = 0;
    for (const [i, t] of times.entries()) {
      // The restarted pulse keeps only files: the schedule, re-read, and the last world it decided on.
      const file = i === restartAt ? ScheduleSchema.parse(JSON.parse(JSON.stringify(s))) : s;
      const now = canonicalJson(scheduleSignal(file, t));
      if (now !== decided) n++;
      decided = now;
    }
    return n;
  };
  const times = beats(30, 300);
  assertEquals(decidesOver(once(95), times, 4), 1, "restart after its time");
  assertEquals(decidesOver(once(95), times, 2), 1, "restart before its time");
  assertEquals(decidesOver(every(60), times, 5), 5);
  // A pulse down over its time sees it due at its first beat back (not lost), once (not doubled).
  const down = [at(0), at(500), at(530)];
  assertEquals(changes((t) => scheduleSignal(once(95), t), down), 1);
  // A repeating one missed for several periods is one change, not one per period missed.
  assertEquals(changes((t) => scheduleSignal(every(60), t), down), 1);
});

Deno.test("sys-schedules: signal is each schedule's due-ness; detail has its note and next time; a corrupt file is named", () => {
  const entries: ScheduleEntry[] = [
    { name: "ping", schedule: once(90) },
    { name: "tick", schedule: every(60) },
    { name: "torn", corrupt: "Unexpected end of JSON input" },
  ];
  const r = schedulesReading(entries, at(100));
  assertEquals(r.signal, { ping: "due", tick: 1, torn: "corrupt" });
  const detail = r.detail as Record<string, Record<string, unknown>>;
  assertEquals(detail.ping, { kind: "once", due: at(90).toISOString(), state: "due", note: "ping the team" });
  assertEquals(detail.tick, {
    kind: "every",
    every_s: 60,
    period: 1,
    next: at(120).toISOString(),
    note: "hourly check",
  });
  assertMatch(String(detail.torn.corrupt), /Unexpected end/);
  assertEquals(schedulesReading([], T0), { signal: {}, detail: {} });
  // The clock stays out of the signal: two times in one period give the same signal.
  assertEquals(schedulesReading(entries, at(100)).signal, schedulesReading(entries, at(119)).signal);
});

Deno.test("nextWake is the soonest change of any schedule; none when only due one-shots and corrupt files are left", () => {
  const entries: ScheduleEntry[] = [
    { name: "ping", schedule: once(90) },
    { name: "tick", schedule: every(60) },
    { name: "torn", corrupt: "x" },
  ];
  assertEquals(nextWake(entries, at(0))?.toISOString(), at(60).toISOString());
  assertEquals(nextWake(entries, at(61))?.toISOString(), at(90).toISOString());
  assertEquals(nextWake([entries[0], entries[2]], at(91)), undefined);
});

Deno.test("ScheduleSchema refuses a period under 60 s, a time that is no time, and an unsafe name", () => {
  const bad: unknown[] = [
    { ...every(60), every_s: 30 },
    { ...once(5), due: "soon" },
    { ...once(5), name: "../x" },
    { ...once(5), kind: "sometimes" },
  ];
  for (const v of bad) assertEquals(ScheduleSchema.safeParse(v).success, false, JSON.stringify(v));
});
