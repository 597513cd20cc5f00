/** The decide prompt (SPEC §6, src/core/prompt.ts): section order, a stable cacheable prefix, a bound. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { buildPrompt, CONSTITUTION, INSTRUCTIONS, PROMPT_BUDGET, type PromptInputs } from "../../src/core/prompt.ts";

const ORDER = [
  "INSTRUCTIONS",
  "CONSTITUTION",
  "NOW",
  "PLAYBOOK",
  "GOALS",
  "SENSOR READINGS",
  "PENDING ASKS",
  "FAIRNESS",
  "WHAT CHANGED",
  "LAST FAILURE",
  "RECENT JOURNAL",
];

function world(over: Partial<PromptInputs> = {}): PromptInputs {
  return {
    localTime: "2026-03-01 09:30",
    playbook: "# PLAYBOOK\n1. ship\n",
    goals: [{ id: "docs", text: "goal: write the docs\n" }, { id: "ship", text: "ship v2\n" }],
    readings: { "sensor-prs": { signal: { open: 3 } }, "sensor-ci": { signal: { red: false } } },
    asks: [{ id: "w1-1", worker: "w1", prompt: "merge\nnow?", ts: "2026-03-01T09:00:00Z" }],
    fairness: { goal: "docs", lastActedS: null },
    whatChanged: ["sensor-prs: open 2 → 3"],
    lastFailure: "no JSON object in the answer",
    journal: ["- 2026-03-01 09:00 noop: quiet"],
    ...over,
  };
}

const headerAt = (p: string, title: string) => p.indexOf(`===== ${title} =====\n`);

Deno.test("prompt: every section, once, in the order of SPEC §6", () => {
  const p = buildPrompt(world());
  const at = ORDER.map((t) => headerAt(p, t));
  assert(at.every((i) => i >= 0), `missing: ${ORDER.filter((_, i) => at[i] < 0).join(", ")}`);
  assertEquals([...at].sort((a, b) => a - b), at, "in order");
  for (const t of ORDER) assertEquals(p.split(`===== ${t} =====\n`).length, 2, `${t} once`);
  assert(p.startsWith("===== INSTRUCTIONS =====\n"));
  assertMatch(p, /===== NOW =====\nLocal time: 2026-03-01 09:30\n/);
  assertMatch(p, /----- goals\/docs\.md -----\ngoal: write the docs\n\n----- goals\/ship\.md -----\nship v2\n/);
  assert(p.indexOf("sensor-ci:") < p.indexOf("sensor-prs:"), "readings sorted by name");
  assertMatch(p, /- w1-1 \(worker w1\): merge now\?/);
  assertMatch(p, /The most neglected goal is "docs" \(never acted on\)/);
  assertMatch(p, /===== LAST FAILURE =====\nThe previous decide failed: no JSON object in the answer\n/);
  assert(p.trimEnd().endsWith("- 2026-03-01 09:00 noop: quiet"));
});

Deno.test("prompt: no LAST FAILURE section without a failure; empty sections say so", () => {
  const p = buildPrompt(
    world({ lastFailure: undefined, asks: [], goals: [], readings: {}, journal: [], whatChanged: [] }),
  );
  assertEquals(headerAt(p, "LAST FAILURE"), -1);
  assertMatch(p, /===== GOALS =====\n\(none\)\n/);
  assertMatch(p, /===== SENSOR READINGS =====\n\(none\)\n/);
  assertMatch(p, /===== RECENT JOURNAL =====\n\(empty\)\n/);
  assertMatch(p, /===== WHAT CHANGED =====\n\(nothing: a scheduled or forced beat\)\n/);
});

Deno.test("prompt: the prefix up to NOW is the same for two different worlds (cacheable)", () => {
  const a = buildPrompt(world());
  const b = buildPrompt(world({
    localTime: "2027-12-31 23:59",
    playbook: "other",
    goals: [{ id: "x", text: "y" }],
    readings: {},
    asks: [],
    fairness: undefined,
    whatChanged: ["first decide: everything is new"],
    lastFailure: undefined,
    journal: [],
  }));
  const prefix = (p: string) => p.slice(0, headerAt(p, "NOW"));
  assertEquals(prefix(a), prefix(b));
  assert(prefix(a).includes(INSTRUCTIONS) && prefix(a).includes(CONSTITUTION));
  assert(a !== b);
});

Deno.test("prompt: a huge goal is trimmed and the prompt stays within the budget", () => {
  const huge = "g".repeat(2_000_000);
  const p = buildPrompt(world({ goals: [{ id: "huge", text: huge }, { id: "small", text: "keep me" }] }));
  assert(p.length <= PROMPT_BUDGET + 1_000, `prompt is ${p.length} characters`);
  assertMatch(p, /… \[trimmed \d+ characters\]/);
  for (const t of ORDER) assert(headerAt(p, t) >= 0, `${t} survives trimming`);
  assertMatch(p, /- 2026-03-01 09:00 noop: quiet/, "the journal is not sacrificed to the goal");
});

Deno.test("prompt: everything huge at once still fits the budget, every section kept", () => {
  const big = (c: string) => c.repeat(500_000);
  const p = buildPrompt(world({
    playbook: big("p"),
    goals: [{ id: "a", text: big("a") }, { id: "b", text: big("b") }],
    readings: { "sensor-x": { signal: { v: big("r") } } },
    asks: Array.from(
      { length: 500 },
      (_, i) => ({ id: `w-${i}`, worker: "w", prompt: big("q").slice(0, 500), ts: "t" }),
    ),
    whatChanged: Array.from({ length: 500 }, (_, i) => `sensor-${i}: v 1 → 2`),
    lastFailure: big("f"),
    journal: Array.from({ length: 20 }, () => `- 2026-03-01 09:00 ${big("j").slice(0, 2_000)}`),
  }));
  assert(p.length <= PROMPT_BUDGET + 1_000, `prompt is ${p.length} characters`);
  for (const t of ORDER) assert(headerAt(p, t) >= 0, `${t} kept`);
  assert(p.includes(CONSTITUTION), "the constitution is never trimmed");
});
