/** The move inside a final answer (SPEC §5 step 7, src/core/extract.ts): exactly one JSON object. */
import { assertEquals, assertMatch } from "../assert.ts";
import { extractOneObject, jsonObjectsIn, MAX_ANSWER_BYTES, MAX_DEPTH } from "../../src/core/extract.ts";

const NOOP = { action: "noop", reason: "quiet" };

function one(text: string): Record<string, unknown> {
  const r = extractOneObject(text);
  if (!r.ok) throw new Error(`expected one object in ${JSON.stringify(text)}: ${r.reason}`);
  return r.value;
}

function reason(text: string): string {
  const r = extractOneObject(text);
  if (r.ok) throw new Error(`expected a failure for ${JSON.stringify(text)}, got ${JSON.stringify(r.value)}`);
  return r.reason;
}

Deno.test("extract: a bare object", () => {
  assertEquals(one('{"action":"noop","reason":"quiet"}'), NOOP);
  assertEquals(one('  \n{"action":"noop","reason":"quiet"}\n\n'), NOOP);
});

Deno.test("extract: a fenced ```json block", () => {
  assertEquals(one('```json\n{\n  "action": "noop",\n  "reason": "quiet"\n}\n```'), NOOP);
  assertEquals(one('```\n{"action":"noop","reason":"quiet"}\n```'), NOOP);
});

Deno.test("extract: prose around the object is ignored", () => {
  assertEquals(
    one('The world is calm. I choose:\n```json\n{"action":"noop","reason":"quiet"}\n```\nThat is all (really).'),
    NOOP,
  );
  assertEquals(one('Move: {"action":"noop","reason":"quiet"} — done.'), NOOP);
});

Deno.test("extract: no object fails, naming what was there", () => {
  assertMatch(reason("I think we should wait."), /^no JSON object in the answer: "I think we should wait\."$/);
  assertEquals(reason(""), "no JSON object in the answer (empty)");
  assertEquals(reason("   \n"), "no JSON object in the answer (empty)");
  assertMatch(reason("{not json at all}"), /^no JSON object in the answer/);
  assertMatch(reason('{"action":"noop",'), /^no JSON object in the answer/, "a torn object");
  assertMatch(reason('["noop"]'), /^no JSON object in the answer/, "an array is not an object");
  assertEquals(reason("x".repeat(500)).length < 200, true, "the excerpt is short");
});

Deno.test("extract: two objects fail", () => {
  assertEquals(
    reason('{"action":"noop","reason":"a"}\n{"action":"noop","reason":"b"}'),
    "2 JSON objects in the answer; exactly one move is needed",
  );
  assertEquals(
    reason('First {"a":1}, then ```json\n{"b":2}\n``` and {"c":3}'),
    "3 JSON objects in the answer; exactly one move is needed",
  );
});

Deno.test("extract: braces inside strings do not count", () => {
  const v = { action: "run_shell", cmd: "echo '{' && echo '}}'", reason: "a } and a { in a string" };
  assertEquals(one(`Here: ${JSON.stringify(v)}`), v);
  const escaped = { action: "noop", reason: 'he said "}" then \\ left' };
  assertEquals(one(JSON.stringify(escaped)), escaped);
});

Deno.test("extract: nested objects count as one", () => {
  const v = { action: "write_sensor", name: "ci", script: "x", meta: { a: { b: { c: 1 } } } };
  assertEquals(one(JSON.stringify(v)), v);
  assertEquals(jsonObjectsIn(JSON.stringify(v))?.length, 1);
});

Deno.test("extract: a broken brace before the object is skipped", () => {
  assertEquals(one('I tried {this and then: {"action":"noop","reason":"quiet"}'), NOOP);
});

Deno.test("extract: caps, each refused in one pass: the size, the nesting depth; 100 KB of braces", () => {
  const nest = (n: number) => '{"a":'.repeat(n - 1) + '{"action":"noop","reason":"x"}' + "}".repeat(n - 1);
  assertEquals(extractOneObject(nest(MAX_DEPTH)).ok, true, "nested exactly to the cap");
  assertMatch(reason(nest(MAX_DEPTH + 1)), /nests braces deeper than 64 levels/);
  assertMatch(reason(nest(50_000)), /nests braces deeper than 64 levels/);
  assertMatch(reason("{".repeat(100_000)), /nests braces deeper than 64 levels/);
  assertMatch(reason("{}".repeat(60_000)), /60000 JSON objects in the answer/);
  const move = '{"action":"noop","reason":"x"}';
  const atCap = move + " ".repeat(MAX_ANSWER_BYTES - move.length);
  assertEquals(extractOneObject(atCap).ok, true, "an answer of exactly the cap");
  assertMatch(reason(atCap + " "), /the answer is 1048577 bytes, over the cap of 1048576/);
});
