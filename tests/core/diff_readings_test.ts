/**
 * WHAT CHANGED (src/core/diff.ts): the signal keys that moved since the last decide, and a
 * sensor's run → its reading (src/core/readings.ts).
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { viewOf, whatChanged } from "../../src/core/diff.ts";
import { toReading } from "../../src/core/readings.ts";

const view = (readings: Record<string, unknown>, goals: Record<string, string> = {}, playbook = "P") =>
  viewOf({ playbook, goals, readings });

Deno.test("whatChanged: the first decide says everything is new", () => {
  assertEquals(whatChanged(undefined, view({ a: {} })), ["first decide: everything is new"]);
});

Deno.test("whatChanged: nothing moved → no lines; detail never counts", () => {
  const before = view({ "sensor-ci": { signal: { red: false }, detail: { t: 1 } } }, { g: "x" });
  const after = view({ "sensor-ci": { signal: { red: false }, detail: { t: 2 } } }, { g: "x" });
  assertEquals(whatChanged(before, after), []);
});

Deno.test("whatChanged: PLAYBOOK and goals: edited, new, gone", () => {
  const before = view({}, { keep: "1", edit: "a", gone: "z" }, "old");
  const after = view({}, { keep: "1", edit: "b", fresh: "n" }, "new");
  assertEquals(whatChanged(before, after).sort(), [
    "PLAYBOOK.md: edited",
    "goal edit: edited",
    "goal fresh: new",
    "goal gone: gone (archived or deleted)",
  ]);
});

Deno.test("whatChanged: signal leaves by path, readings new and gone, whole readings without signal", () => {
  const before = view({
    "sensor-prs": { signal: { open: 3, by: { alice: 1 } } },
    "sensor-list": { signal: { items: ["a", "b"] } },
    "sensor-today": { date: "2026-03-01" },
    "sensor-old": { signal: { x: 1 } },
  });
  const after = view({
    "sensor-prs": { signal: { open: 4, by: { alice: 1, bob: 2 } } },
    "sensor-list": { signal: { items: ["a", "c"] } },
    "sensor-today": { date: "2026-03-02" },
    "sensor-new": { signal: { y: true } },
  });
  assertEquals(whatChanged(before, after), [
    'sensor-list: items[1] "b" → "c"',
    'sensor-new: new reading {"y":true}',
    "sensor-old: reading gone",
    "sensor-prs: open 3 → 4",
    "sensor-prs: by.bob ∅ → 2",
    'sensor-today: date "2026-03-01" → "2026-03-02"',
  ]);
});

Deno.test("whatChanged: a scalar signal, long values shortened, at most `max` lines", () => {
  assertEquals(whatChanged(view({ s: { signal: 1 } }), view({ s: { signal: 2 } })), ["s: (value) 1 → 2"]);
  const long = whatChanged(view({ s: { signal: { v: "a" } } }), view({ s: { signal: { v: "b".repeat(500) } } }));
  assertEquals(long.length, 1);
  assert(long[0].length < 100 && long[0].endsWith("…"), long[0]);
  const many = (n: number) => ({
    s: { signal: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, n])) },
  });
  const lines = whatChanged(view(many(1)), view(many(2)));
  assertEquals(lines.length, 31);
  assertEquals(lines[30], "… and 10 more");
});

Deno.test("toReading: a sensor's JSON object is its reading, as printed", () => {
  const v = { signal: { ok: 1 }, detail: { n: [1, 2] } };
  assertEquals(
    toReading({ kind: "exited", code: 0, signal: null, stdout: JSON.stringify(v) + "\n", stderrTail: "" }),
    v,
  );
  assertEquals(toReading({ kind: "exited", code: 0, signal: null, stdout: '{"date":"2026-03-01"}', stderrTail: "" }), {
    date: "2026-03-01",
  });
});

type ErrorReading = { signal: { error: true; exit_code: number | null }; detail: { message: string; stderr: string } };
const err = (r: unknown) => r as ErrorReading;

Deno.test("toReading: every failure is an error reading with its exit code, message and stderr tail", () => {
  const garbage = err(toReading({ kind: "exited", code: 0, signal: null, stdout: "oops {", stderrTail: "warn" }));
  assertEquals(garbage.signal, { error: true, exit_code: 0 });
  assertMatch(garbage.detail.message, /^did not print one JSON object: "oops \{"$/);
  assertEquals(garbage.detail.stderr, "warn");

  const empty = err(toReading({ kind: "exited", code: 0, signal: null, stdout: "", stderrTail: "" }));
  assertEquals(empty.signal, { error: true, exit_code: 0 });

  for (const out of ["[1,2]", "42", "null", '"text"']) {
    const r = err(toReading({ kind: "exited", code: 0, signal: null, stdout: out, stderrTail: "" }));
    assertEquals(r.signal, { error: true, exit_code: 0 }, out);
    assertMatch(r.detail.message, /not an object/, out);
  }

  const three = err(toReading({ kind: "exited", code: 3, signal: null, stdout: '{"a":1}', stderrTail: "boom" }));
  assertEquals(three.signal, { error: true, exit_code: 3 });
  assertEquals(three.detail, { message: "the sensor exited 3", stderr: "boom" });

  const killed = err(toReading({ kind: "exited", code: null, signal: "SIGKILL", stdout: "", stderrTail: "" }));
  assert(killed.signal.exit_code !== null && killed.signal.exit_code >= 128, JSON.stringify(killed));
  assertMatch(killed.detail.message, /was killed by SIGKILL/);

  const timeout = err(toReading({ kind: "timeout", timeoutS: 60, stderrTail: "slow" }));
  assertEquals(timeout.signal, { error: true, exit_code: 124 });
  assertEquals(timeout.detail, { message: "timed out after 60s and was killed with its children", stderr: "slow" });

  const overflow = err(toReading({ kind: "overflow", maxBytes: 8192, stderrTail: "" }));
  assertEquals(overflow.signal, { error: true, exit_code: null });
  assertMatch(overflow.detail.message, /printed more than 8192 bytes \(LOOOP_SENSOR_MAX_BYTES\)/);

  const spawn = err(toReading({ kind: "spawn-error", message: "Permission denied" }));
  assertEquals(spawn.signal, { error: true, exit_code: 127 });
  assertMatch(spawn.detail.message, /could not run the sensor: Permission denied \(is it executable\? chmod \+x\)/);
  assertEquals(spawn.detail.stderr, "");

  const tail = err(
    toReading({ kind: "exited", code: 1, signal: null, stdout: "", stderrTail: "x".repeat(5000) + "END" }),
  );
  assert(tail.detail.stderr.length <= 1000 && tail.detail.stderr.endsWith("END"), "the stderr tail is the end, capped");
});
