/** The world hash (SPEC §5 step 3): PLAYBOOK, goals, and each reading's signal, canonically serialized. */
import { assertEquals, assertNotEquals } from "../assert.ts";
import { canonicalJson, signalOf, worldHash, type WorldInputs } from "../../src/core/world.ts";

Deno.test("canonicalJson sorts object keys at every depth and keeps array order", () => {
  const value = { b: 1, a: { d: [3, 1, 2], c: [{ z: 1, y: { q: 2, p: 1 } }] } };
  assertEquals(canonicalJson(value), '{"a":{"c":[{"y":{"p":1,"q":2},"z":1}],"d":[3,1,2]},"b":1}');
  assertEquals(canonicalJson({ y: { b: 2, a: 1 }, x: 0 }), canonicalJson({ x: 0, y: { a: 1, b: 2 } }));
  assertNotEquals(canonicalJson([1, 2]), canonicalJson([2, 1]));
});

Deno.test("canonicalJson serializes scalars like JSON and drops undefined members", () => {
  assertEquals(canonicalJson(null), "null");
  assertEquals(canonicalJson('a"b'), '"a\\"b"');
  assertEquals(canonicalJson(1.5), "1.5");
  assertEquals(canonicalJson(true), "true");
  assertEquals(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assertEquals(canonicalJson({}), "{}");
  assertEquals(canonicalJson([]), "[]");
});

Deno.test("signalOf takes the signal, or the whole reading when it has none", () => {
  assertEquals(signalOf({ signal: { n: 1 }, detail: { x: 2 } }), { n: 1 });
  assertEquals(signalOf({ date: "2024-01-01" }), { date: "2024-01-01" });
  assertEquals(signalOf([1, 2]), [1, 2]);
  assertEquals(signalOf(7), 7);
});

const base = (): WorldInputs => ({
  playbook: "# PLAYBOOK\nbe kind\n",
  goals: { setup: "set up\n", ship: "ship it\n" },
  readings: {
    "sensor-ci": { signal: { red: false, build: 12 }, detail: { log: "all good", took_ms: 812 } },
    "sensor-today": { date: "2024-01-15" },
  },
});

Deno.test("worldHash is a stable sha-256 hex digest", async () => {
  const h = await worldHash(base());
  assertEquals(h.length, 64);
  assertEquals(/^[0-9a-f]+$/.test(h), true);
  assertEquals(await worldHash(base()), h);
});

Deno.test("worldHash ignores detail", async () => {
  const w = base();
  (w.readings["sensor-ci"] as { detail: unknown }).detail = { log: "something else", took_ms: 9999 };
  assertEquals(await worldHash(w), await worldHash(base()));
  delete (w.readings["sensor-ci"] as { detail?: unknown }).detail;
  assertEquals(await worldHash(w), await worldHash(base()));
});

Deno.test("worldHash moves when a signal changes", async () => {
  const w = base();
  (w.readings["sensor-ci"] as { signal: { red: boolean } }).signal.red = true;
  assertNotEquals(await worldHash(w), await worldHash(base()));
});

Deno.test("worldHash moves when a goal text changes, appears or goes", async () => {
  const h = await worldHash(base());
  const changed = base();
  changed.goals.ship = "ship it today\n";
  assertNotEquals(await worldHash(changed), h);
  const added = base();
  added.goals.more = "";
  assertNotEquals(await worldHash(added), h);
  const removed = base();
  delete removed.goals.setup;
  assertNotEquals(await worldHash(removed), h);
});

Deno.test("worldHash moves when the PLAYBOOK changes, even by whitespace", async () => {
  const w = base();
  w.playbook += " ";
  assertNotEquals(await worldHash(w), await worldHash(base()));
});

Deno.test("worldHash moves when a reading without signal changes", async () => {
  const w = base();
  w.readings["sensor-today"] = { date: "2024-01-16" };
  assertNotEquals(await worldHash(w), await worldHash(base()));
});

Deno.test("worldHash moves when a reading appears", async () => {
  const w = base();
  w.readings["sys-claims"] = { signal: {} };
  assertNotEquals(await worldHash(w), await worldHash(base()));
});

Deno.test("the key order of readings, goals and signals does not matter", async () => {
  const reordered: WorldInputs = {
    playbook: "# PLAYBOOK\nbe kind\n",
    goals: { ship: "ship it\n", setup: "set up\n" },
    readings: {
      "sensor-today": { date: "2024-01-15" },
      "sensor-ci": { detail: { took_ms: 812, log: "all good" }, signal: { build: 12, red: false } },
    },
  };
  assertEquals(await worldHash(reordered), await worldHash(base()));
});

Deno.test("a goal's text and a signal cannot stand in for each other", async () => {
  const a: WorldInputs = { playbook: "", goals: { x: "1" }, readings: {} };
  const b: WorldInputs = { playbook: "", goals: {}, readings: { x: "1" } };
  assertNotEquals(await worldHash(a), await worldHash(b));
});
