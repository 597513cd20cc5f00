/** Moves (SPEC §7): one strict schema, the I/O-free gates (safe ids, size caps), interval clamp, summaries. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { clampInterval, DEFAULT_MAX_BODY_BYTES, type Move, parseMove, summarize } from "../../src/core/moves.ts";
import { gateMove } from "../../src/core/gates.ts";

const VALID: Record<Move["action"], Record<string, unknown>> = {
  noop: { action: "noop", reason: "nothing changed" },
  run_shell: { action: "run_shell", cmd: "git fetch", reason: "see what is new" },
  write_goal: { action: "write_goal", id: "ship", body: "ship it" },
  archive_goal: { action: "archive_goal", id: "setup" },
  write_sensor: { action: "write_sensor", name: "ci", script: "#!/bin/sh\necho '{}'" },
  write_playbook: { action: "write_playbook", body: "# PLAYBOOK" },
  start_worker: { action: "start_worker", id: "ship-20240115", prompt: "ship it" },
  kill_worker: { action: "kill_worker", id: "ship-20240115", reason: "stuck for an hour" },
  write_schedule: { action: "write_schedule", name: "standup", every_s: 86400, note: "post the standup" },
  drop_schedule: { action: "drop_schedule", name: "standup" },
};

function parsed(value: unknown): Move {
  const r = parseMove(value);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(value)} to parse: ${r.refusal.reason}`);
  return r.move;
}

function refusal(value: unknown) {
  const r = parseMove(value);
  if (r.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return r.refusal;
}

Deno.test("parseMove accepts each of the ten actions with their fields", () => {
  assertEquals(Object.keys(VALID).length, 10);
  for (const value of Object.values(VALID)) assertEquals<unknown>(parsed(value), value);
});

Deno.test("parseMove accepts journal and next_interval_s on any move", () => {
  for (const value of Object.values(VALID)) {
    const withExtras = { ...value, journal: "one line", next_interval_s: 120 };
    assertEquals<unknown>(parsed(withExtras), withExtras);
  }
});

Deno.test("parseMove refuses an unknown or missing action", () => {
  for (const value of [{ action: "delete_everything", reason: "x" }, { reason: "x" }, { action: 5 }]) {
    const r = refusal(value);
    assertEquals(r.rule, "schema");
    assertMatch(r.reason, /^action: /);
  }
});

Deno.test("parseMove refuses a missing required field, naming it", () => {
  const required: Record<Move["action"], string[]> = {
    noop: ["reason"],
    run_shell: ["cmd", "reason"],
    write_goal: ["id", "body"],
    archive_goal: ["id"],
    write_sensor: ["name", "script"],
    write_playbook: ["body"],
    start_worker: ["id", "prompt"],
    kill_worker: ["id", "reason"],
    write_schedule: ["name"],
    drop_schedule: ["name"],
  };
  for (const [action, fields] of Object.entries(required) as [Move["action"], string[]][]) {
    for (const field of fields) {
      const value = { ...VALID[action] };
      delete value[field];
      const r = refusal(value);
      assertEquals(r.rule, "schema");
      assert(r.reason.startsWith(`${field}: `), `${action} without ${field}: ${r.reason}`);
    }
  }
});

Deno.test("parseMove refuses a field of the wrong type", () => {
  for (
    const value of [
      { action: "noop", reason: 5 },
      { action: "write_goal", id: ["a"], body: "x" },
      { action: "write_goal", id: "a", body: null },
      { action: "noop", reason: "r", next_interval_s: "60" },
      { action: "noop", reason: "r", journal: 1 },
    ]
  ) {
    assertEquals(refusal(value).rule, "schema", JSON.stringify(value));
  }
});

Deno.test("parseMove refuses empty commands and prompts", () => {
  assertMatch(refusal({ action: "run_shell", cmd: "", reason: "r" }).reason, /^cmd: /);
  assertMatch(refusal({ action: "start_worker", id: "w", prompt: "" }).reason, /^prompt: /);
});

Deno.test("parseMove is strict: an extra unknown field is refused, naming it", () => {
  for (const value of Object.values(VALID)) {
    const r = refusal({ ...value, force: true });
    assertEquals(r.rule, "schema");
    assertMatch(r.reason, /force/);
  }
  // A field of another action is unknown here too.
  assertMatch(refusal({ action: "noop", reason: "r", cmd: "rm -rf /" }).reason, /cmd/);
});

Deno.test("parseMove refuses values that are not objects, and arrays", () => {
  for (const value of [null, undefined, "noop", 42, true, [], [VALID.noop]]) {
    assertEquals(refusal(value).rule, "schema", String(value));
  }
});

Deno.test("gateMove passes safe moves under the cap", () => {
  for (const value of Object.values(VALID)) assertEquals(gateMove(parsed(value), { maxBodyBytes: 1024 }), undefined);
});

Deno.test("gateMove refuses unsafe ids with rule id for every move that names one", () => {
  const limits = { maxBodyBytes: DEFAULT_MAX_BODY_BYTES };
  for (const bad of ["../x", ".hidden", "a/b", "", "x".repeat(65), "a b"]) {
    const moves: [Move, string][] = [
      [{ action: "write_goal", id: bad, body: "b" }, "goal"],
      [{ action: "archive_goal", id: bad }, "goal"],
      [{ action: "write_sensor", name: bad, script: "s" }, "sensor"],
      [{ action: "start_worker", id: bad, prompt: "p" }, "session"],
      [{ action: "kill_worker", id: bad, reason: "r" }, "session"],
      [{ action: "write_schedule", name: bad, in_s: 60 }, "schedule"],
      [{ action: "drop_schedule", name: bad }, "schedule"],
    ];
    for (const [move, kind] of moves) {
      const r = gateMove(move, limits);
      assert(r !== undefined, `${move.action} with id ${JSON.stringify(bad)} passed the gate`);
      assertEquals(r.rule, "id");
      assert(r.reason.startsWith(`${kind} id ${JSON.stringify(bad)} `), r.reason);
    }
  }
});

Deno.test("gateMove's size cap: exactly at the cap passes, one byte over is refused", () => {
  const cap = 100;
  const limits = { maxBodyBytes: cap };
  const payloads = (text: string): Move[] => [
    { action: "write_goal", id: "g", body: text },
    { action: "write_playbook", body: text },
    { action: "write_sensor", name: "s", script: text },
    { action: "start_worker", id: "w", prompt: text },
    { action: "run_shell", cmd: text, reason: "r" },
  ];
  for (const move of payloads("x".repeat(cap))) assertEquals(gateMove(move, limits), undefined, move.action);
  for (const move of payloads("x".repeat(cap + 1))) {
    const r = gateMove(move, limits);
    assert(r !== undefined, `${move.action} one byte over the cap passed`);
    assertEquals(r.rule, "size");
    assertMatch(r.reason, new RegExp(`^${move.action} payload is ${cap + 1} bytes, over the cap of ${cap}$`));
  }
});

Deno.test("gateMove counts UTF-8 bytes, not characters", () => {
  const limits = { maxBodyBytes: 10 };
  // "é" is 2 bytes, "€" is 3 bytes.
  assertEquals(gateMove({ action: "write_goal", id: "g", body: "ééééé" }, limits), undefined);
  const over = gateMove({ action: "write_goal", id: "g", body: "éééééa" }, limits); // 6 characters, 11 bytes
  assertEquals(over?.rule, "size");
  assertMatch(over?.reason ?? "", /11 bytes/);
  assertEquals(gateMove({ action: "write_playbook", body: "€€€€" }, limits)?.rule, "size"); // 4 characters, 12 bytes
});

Deno.test("gateMove never refuses noop and archive_goal for size", () => {
  const limits = { maxBodyBytes: 1 };
  assertEquals(gateMove({ action: "noop", reason: "a long reason that is many bytes" }, limits), undefined);
  assertEquals(gateMove({ action: "archive_goal", id: "a-long-goal-id" }, limits), undefined);
});

Deno.test("the id gate comes before the size gate", () => {
  assertEquals(gateMove({ action: "write_goal", id: "../x", body: "x".repeat(50) }, { maxBodyBytes: 10 })?.rule, "id");
});

Deno.test("clampInterval keeps next_interval_s within 5..300 seconds, or 5..max_next_interval_s", () => {
  const cases: [number, number][] = [
    [-10, 5],
    [0, 5],
    [4, 5],
    [5, 5],
    [6, 6],
    [90.4, 90],
    [90.6, 91],
    [300, 300],
    [301, 300],
    [1e9, 300],
  ];
  for (const [given, want] of cases) assertEquals(clampInterval(given), want, `clampInterval(${given})`);
  assertEquals([clampInterval(3601, 3600), clampInterval(3000, 3600), clampInterval(2, 3600)], [3600, 3000, 5]);
});

Deno.test("summarize gives one line per action", () => {
  const want: Record<Move["action"], string> = {
    noop: "noop: nothing changed",
    run_shell: "run_shell: git fetch",
    write_goal: "write_goal ship",
    archive_goal: "archive_goal setup",
    write_sensor: "write_sensor ci",
    write_playbook: "write_playbook",
    start_worker: "start_worker ship-20240115",
    kill_worker: "kill_worker ship-20240115 (stuck for an hour)",
    write_schedule: "write_schedule standup (every 86400s)",
    drop_schedule: "drop_schedule standup",
  };
  for (const [action, line] of Object.entries(want) as [Move["action"], string][]) {
    const s = summarize(parsed(VALID[action]));
    assertEquals(s, line);
    assert(!s.includes("\n"));
  }
});

Deno.test("a move's free text is capped: journal and reason at 1000 characters pass, 1001 are refused", () => {
  for (const field of ["journal", "reason"] as const) {
    parsed({ ...VALID.noop, [field]: "x".repeat(1000) });
    const r = refusal({ ...VALID.noop, [field]: "x".repeat(1001) });
    assertEquals(r.rule, "schema");
    assertMatch(r.reason, new RegExp(`^${field}: is longer than 1000 characters`));
  }
});

Deno.test("gateMove refuses a goal or sensor id that carries its file's extension", () => {
  assertMatch(
    gateMove(parsed({ ...VALID.write_goal, id: "ship.md" }), { maxBodyBytes: 1024 })?.reason ?? "",
    /use "ship"/,
  );
  assertMatch(
    gateMove(parsed({ ...VALID.write_sensor, name: "ci.sh" }), { maxBodyBytes: 1024 })?.reason ?? "",
    /use "ci"/,
  );
  assertEquals(gateMove(parsed({ ...VALID.write_goal, id: "v1.2" }), { maxBodyBytes: 1024 }), undefined);
});

Deno.test("write_schedule takes exactly one of in_s and every_s: in_s whole, 1 s..366 days; every_s 60 s..366 days", () => {
  const base = { action: "write_schedule", name: "s" };
  for (const ok of [{ in_s: 1 }, { in_s: 366 * 86400 }, { every_s: 60 }, { every_s: 366 * 86400, note: "n" }]) {
    assertEquals<unknown>(parsed({ ...base, ...ok }), { ...base, ...ok });
  }
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /^in_s: give exactly one of in_s .* or every_s/],
    [{ in_s: 60, every_s: 60 }, /^in_s: give exactly one of in_s/],
    [{ every_s: 30 }, /^every_s: is under 60; a repeating schedule's period is at least 60 seconds/],
    [{ every_s: 59.5 }, /^every_s: /],
    [{ in_s: 0 }, /^in_s: is not positive/],
    [{ in_s: -5 }, /^in_s: is not positive/],
    [{ in_s: 1.5 }, /^in_s: is not a whole number of seconds/],
    [{ in_s: 366 * 86400 + 1 }, /^in_s: is over 366 days/],
    [{ in_s: "60" }, /^in_s: /],
    [{ in_s: 60, note: "x".repeat(1001) }, /^note: is longer than 1000 characters/],
  ];
  for (const [extra, want] of cases) {
    const r = refusal({ ...base, ...extra });
    assertEquals(r.rule, "schema", JSON.stringify(extra));
    assertMatch(r.reason, want);
  }
  assertEquals(summarize(parsed({ ...base, in_s: 90 })), "write_schedule s (in 90s)");
  assertMatch(
    gateMove(parsed({ ...base, name: "s.json", in_s: 9 }), { maxBodyBytes: 1024 })?.reason ?? "",
    /use "s"/,
  );
});

Deno.test("start_worker: verify and command are optional one-line commands; blank or unknown fields are refused", () => {
  const start = { action: "start_worker" as const, id: "w1", prompt: "p" };
  const both = parseMove({ ...start, verify: "deno task test", command: "make {{prompt_file}}" });
  assert(both.ok);
  assertEquals(both.move, { ...start, verify: "deno task test", command: "make {{prompt_file}}" });
  for (const [field, value] of [["verify", "  "], ["command", ""], ["verify", "x".repeat(4001)]]) {
    const r = parseMove({ ...start, [field]: value });
    assert(!r.ok, `${field}: ${JSON.stringify(value).slice(0, 20)}`);
    assertMatch(r.refusal.reason, new RegExp(`^${field}: `));
  }
  const unknown = parseMove({ ...start, verfy: "typo" });
  assert(!unknown.ok);
});
