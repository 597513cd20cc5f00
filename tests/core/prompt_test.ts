/** The decide prompt (SPEC §6 as #15 orders it, src/core/prompt.ts): section order, a cacheable prefix, a bound. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { buildPrompt, CONSTITUTION, INSTRUCTIONS, PROMPT_BUDGET, type PromptInputs } from "../../src/core/prompt.ts";

/** What changes least comes first, so a runner's prompt cache keeps the longest prefix; NOW last. */
const ORDER = [
  "INSTRUCTIONS",
  "CONSTITUTION",
  "PLAYBOOK",
  "GOALS",
  "SENSOR READINGS",
  "STUCK WORKERS",
  "PENDING ASKS",
  "WHAT CHANGED",
  "RUN_SHELL OUTPUT",
  "LAST FAILURE",
  "FAIRNESS",
  "RECENT JOURNAL",
  "NOW",
];

function world(over: Partial<PromptInputs> = {}): PromptInputs {
  return {
    localTime: "2026-03-01 09:30",
    timeZone: "UTC+01:00, Europe/Paris",
    playbook: "# PLAYBOOK\n1. ship\n",
    goals: [{ id: "docs", text: "goal: write the docs\n" }, { id: "ship", text: "ship v2\n" }],
    readings: { "sensor-prs": { signal: { open: 3 } }, "sensor-ci": { signal: { red: false } } },
    asks: [
      { id: "w1-1", worker: "w1", prompt: "merge\nnow?", ts: "2026-03-01T09:00:00Z", live: true },
      {
        id: "h-1",
        worker: "h",
        prompt: "deploy?",
        options: ["yes", "no"],
        ref: "reports/deploy.md",
        ts: "2026-03-01T09:05:00Z",
        live: false,
      },
    ],
    fairness: { goal: "docs", lastActedS: null },
    whatChanged: ["sensor-prs: open 2 → 3"],
    shellOutput: {
      run_id: "r1",
      cmd: "touch /etc/x || true",
      status: "exit 0, denied by the sandbox",
      code: 0,
      stdout_tail: "",
      stderr_tail: "touch: cannot touch '/etc/x': Read-only file system",
      denied: true,
    },
    stuck: [{ id: "w9", silentS: 1500 }, { id: "w8", silentS: null }],
    lastFailure: "no JSON object in the answer",
    journal: ["- 2026-03-01 09:00 noop: quiet"],
    ...over,
  };
}

const headerAt = (p: string, title: string) => p.indexOf(`===== ${title} =====\n`);

Deno.test("prompt: every section, once, what changes least first and NOW last", () => {
  const p = buildPrompt(world());
  const at = ORDER.map((t) => headerAt(p, t));
  assert(at.every((i) => i >= 0), `missing: ${ORDER.filter((_, i) => at[i] < 0).join(", ")}`);
  assertEquals([...at].sort((a, b) => a - b), at, "in order");
  for (const t of ORDER) assertEquals(p.split(`===== ${t} =====\n`).length, 2, `${t} once`);
  assert(p.startsWith("===== INSTRUCTIONS =====\n"));
  assertMatch(p, /===== NOW =====\nLocal time: 2026-03-01 09:30 \(UTC\+01:00, Europe\/Paris\)\n$/);
  assertMatch(p, /----- goals\/docs\.md -----\ngoal: write the docs\n\n----- goals\/ship\.md -----\nship v2\n/);
  assert(p.indexOf("sensor-ci:") < p.indexOf("sensor-prs:"), "readings sorted by name");
  assertMatch(p, /- w1-1 \(worker w1; live\): merge now\?\n/);
  assertMatch(
    p,
    /- h-1 \(worker h; stranded: its worker has no running session; options: yes \| no; ref: reports\/deploy\.md\): deploy\?\n/,
  );
  assertMatch(p, /The most neglected goal is "docs" \(never acted on\)/);
  assertMatch(p, /===== LAST FAILURE =====\nThe previous decide failed: no JSON object in the answer\n/);
  assertMatch(p, /===== RECENT JOURNAL =====\n- 2026-03-01 09:00 noop: quiet\n/);
  assertMatch(
    p,
    /===== RUN_SHELL OUTPUT =====\nYour last move ran \(run r1\): touch \/etc\/x \|\| true\nIt ended: exit 0, denied by the sandbox\.\nThe OS sandbox refused something/,
  );
  assertMatch(
    p,
    /===== STUCK WORKERS =====\n[^\n]*printed nothing[^\n]*\n- w9: no output for 25m\n- w8: no output for a long while\n/,
  );
  assertMatch(p, /--- stderr \(end\) ---\ntouch: cannot touch '\/etc\/x': Read-only file system\n/);
});

Deno.test("prompt: no LAST FAILURE section without a failure; empty sections say so", () => {
  const p = buildPrompt(
    world({
      lastFailure: undefined,
      shellOutput: undefined,
      stuck: [],
      asks: [],
      goals: [],
      readings: {},
      journal: [],
      whatChanged: [],
    }),
  );
  assertEquals(headerAt(p, "LAST FAILURE"), -1);
  assertEquals(headerAt(p, "RUN_SHELL OUTPUT"), -1, "shown only after a run_shell");
  assertEquals(headerAt(p, "STUCK WORKERS"), -1, "shown only while a worker is stuck");
  assertMatch(p, /===== GOALS =====\n\(none\)\n/);
  assertMatch(p, /===== SENSOR READINGS =====\n\(none\)\n/);
  assertMatch(p, /===== RECENT JOURNAL =====\n\(empty\)\n/);
  assertMatch(p, /===== WHAT CHANGED =====\n\(nothing: a scheduled or forced beat\)\n/);
});

Deno.test("prompt: the prefix up to PLAYBOOK is the same for two different worlds (cacheable)", () => {
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
  const prefix = (p: string) => p.slice(0, headerAt(p, "PLAYBOOK"));
  assertEquals(prefix(a), prefix(b));
  assert(prefix(a).includes(INSTRUCTIONS) && prefix(a).includes(CONSTITUTION));
  assert(a !== b);
});

Deno.test("prompt: a minute later with one sensor changed, everything before that reading is the same", () => {
  const a = buildPrompt(world());
  const b = buildPrompt(world({
    localTime: "2026-03-01 09:31",
    readings: { "sensor-prs": { signal: { open: 4 } }, "sensor-ci": { signal: { red: false } } },
    whatChanged: ["sensor-prs: open 3 → 4"],
  }));
  let same = 0;
  while (same < a.length && a[same] === b[same]) same++;
  assert(same >= a.indexOf("sensor-prs:"), `the first difference (${same}) comes after the unchanged part`);
  assert(same > headerAt(a, "SENSOR READINGS"));
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
      (_, i) => ({ id: `w-${i}`, worker: "w", prompt: big("q").slice(0, 500), ts: "t", live: true }),
    ),
    whatChanged: Array.from({ length: 500 }, (_, i) => `sensor-${i}: v 1 → 2`),
    lastFailure: big("f"),
    journal: Array.from({ length: 20 }, () => `- 2026-03-01 09:00 ${big("j").slice(0, 2_000)}`),
  }));
  assert(p.length <= PROMPT_BUDGET + 1_000, `prompt is ${p.length} characters`);
  for (const t of ORDER) assert(headerAt(p, t) >= 0, `${t} kept`);
  assert(p.includes(CONSTITUTION), "the constitution is never trimmed");
});
