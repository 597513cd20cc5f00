/**
 * A malformed or refused decision (SPEC §5 step 8, §7) is a failed beat: journaled once with its
 * reason, backoff armed, the hash not committed, NOTHING executed (no goal written, no worker
 * started, no shell command run); exit 1 when the decide yielded no move, 3 when the move was
 * refused. The loop keeps beating: the next unchanged beat is paused by backoff, and a beat after
 * a goal changed decides again and acts.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Beat, PulseLab, withLab } from "./helpers.ts";

type Case = {
  name: string;
  /** the runner's reply; `MARKER` is replaced by a path the reply's command would create */
  reply: string | Record<string, unknown>;
  code: 1 | 3;
  reason: RegExp;
  config?: Record<string, unknown>;
  /** paths (relative to the data dir) the move would have created */
  absent?: string[];
  /** set up before the beat; returns a check to run after the refused beat, and one for the end */
  arrange?: (lab: PulseLab) => Promise<{ check(): Promise<void>; finish(): Promise<void> }>;
};

const CASES: Case[] = [
  {
    name: "an answer that is not JSON",
    reply: "I would run touch MARKER, but I am not sure it is wise.",
    code: 1,
    reason: /no JSON object in the answer/,
  },
  {
    name: "two JSON objects",
    reply: '{"action":"run_shell","cmd":"touch MARKER","reason":"a"} {"action":"noop","reason":"b"}',
    code: 1,
    reason: /2 JSON objects in the answer; exactly one move is needed/,
  },
  {
    name: "an unknown action",
    reply: { action: "shell", cmd: "touch MARKER", reason: "x" },
    code: 3,
    reason: /schema: action: Invalid discriminator value\. Expected 'noop' \| 'run_shell'/,
  },
  {
    name: "a missing field",
    reply: { action: "run_shell", cmd: "touch MARKER" },
    code: 3,
    reason: /schema: reason: Invalid input: expected string, received undefined/,
  },
  {
    name: "a field of the wrong type",
    reply: { action: "write_goal", id: "typed", body: 42 },
    code: 3,
    reason: /schema: body: Invalid input: expected string, received number/,
    absent: ["goals/typed.md"],
  },
  {
    name: "an unknown field",
    reply: { action: "run_shell", cmd: "touch MARKER", reason: "x", sudo: true },
    code: 3,
    reason: /schema: Unrecognized key: "sudo"/,
  },
  {
    name: "an unsafe id (../x)",
    reply: { action: "write_goal", id: "../x", body: "escape" },
    code: 3,
    reason: /write_goal \(id\): goal id "\.\.\/x" contains a path separator/,
    absent: ["x.md", "goals/x.md"],
  },
  {
    name: "an oversized body",
    reply: { action: "write_goal", id: "big", body: "x".repeat(200) },
    config: { max_body_bytes: 64 },
    code: 3,
    reason: /write_goal \(size\): write_goal payload is 200 bytes, over the cap of 64/,
    absent: ["goals/big.md"],
  },
  {
    name: "start_worker for `pulse`",
    reply: { action: "start_worker", id: "pulse", prompt: "be the pulse" },
    code: 3,
    reason: /start_worker \(worker\): 'pulse' is the pulse's own session/,
    absent: ["sessions/pulse/prompt.md", "sessions/pulse/launch.json"],
  },
  {
    name: "start_worker for a live id",
    reply: { action: "start_worker", id: "w1", prompt: "a second w1" },
    config: { runners: { pi: { interactive: "sleep 30" } } },
    code: 3,
    reason: /start_worker \(worker\): worker 'w1' is already running \(pid \d+\)/,
    arrange: async (lab) => {
      await lab.ok(["_", "worker", "start", "w1", "the first brief"]);
      const pid = await lab.metaPid("w1");
      const prompt = await Deno.readTextFile(`${lab.dir}/sessions/w1/prompt.md`);
      assert(pid !== undefined);
      return {
        check: async () => {
          assertEquals(await lab.metaPid("w1"), pid, "the live worker was not replaced");
          assertEquals(await Deno.readTextFile(`${lab.dir}/sessions/w1/prompt.md`), prompt, "its brief is untouched");
          assertEquals((await lab.sessions()).filter((s) => s.id === "w1").map((s) => s.state), ["running"]);
        },
        finish: async () => {
          await lab.ok(["_", "kill", "w1"]);
          assertEquals((await lab.sessions()).filter((s) => s.id === "w1").map((s) => s.state), ["killed"]);
        },
      };
    },
  },
  {
    name: "an irreversible run_shell",
    reply: { action: "run_shell", cmd: "touch MARKER && git push --force origin main", reason: "ship" },
    code: 3,
    reason: /run_shell \(irreversible\): git push --force: irreversible — start a worker that asks a human first/,
  },
  {
    name: "a run_shell matching a config `irreversible` pattern",
    reply: { action: "run_shell", cmd: "touch MARKER; make release", reason: "ship" },
    config: { irreversible: ["\\bmake\\s+release\\b"] },
    code: 3,
    reason: /run_shell \(irreversible\): config pattern \/\\bmake\\s\+release\\b\/: irreversible/,
  },
];

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${dir}/${rel}`)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      out.push(path);
      if (e.isDirectory) await walk(path);
    }
  };
  await walk("");
  return out.sort();
}

for (const c of CASES) {
  Deno.test(`refused, nothing executed, the loop beats on: ${c.name}`, async () => {
    await withLab({ config: c.config }, async (lab) => {
      const marker = `${lab.dir}/marker`; // where even a sandboxed command could write
      const replyText = (typeof c.reply === "string" ? c.reply : JSON.stringify(c.reply)).replaceAll("MARKER", marker);
      await lab.replies(replyText, { action: "noop", reason: "recovered", journal: "recovered after a refusal" });
      const arranged = await c.arrange?.(lab);
      const goalsBefore = await lab.goals();
      const sessionsBefore = await lab.workerIds();
      const journalBefore = await lab.journal();

      const kind = c.code === 1 ? "no-move" : "refused";
      const b: Beat = await lab.beatExpect(c.code, kind);
      assertMatch(b.result?.reason ?? "", c.reason);
      assertMatch(b.stderr, c.code === 1 ? /looop: the decide yielded no move: / : /looop: the move was refused: /);
      const added = await lab.journalSince(journalBefore);
      assertEquals(added.length, 1, `one journal line: ${added.join("\n")}`);
      assertMatch(added[0], c.code === 1 ? /^- \S+ \S+ decide failed: / : /^- \S+ \S+ move refused: /);
      assert(added[0].endsWith(b.result!.reason!.replace(/\s*[\r\n]+\s*/g, " ")), `reason in journal: ${added[0]}`);

      // Nothing executed.
      assert(!(await Deno.lstat(marker).then(() => true, () => false)), "the command did not run");
      assertEquals(await lab.goals(), goalsBefore, "no goal written");
      assertEquals(await lab.workerIds(), sessionsBefore, "no worker started");
      for (const p of c.absent ?? []) assert(!(await lab.exists(p)), `${p} was not written`);
      assert(!(await lab.exists(".last-tick-hash")), "the hash was not committed");
      assert(!(await lab.exists(".action-wal.json")));
      assertEquals((await lab.ledger()).length, 1, "the decide's cost is recorded, success or not");
      await arranged?.check();

      // The next unchanged beat: backoff, no runner call, no journal line.
      const paused = await lab.beatExpect(0, "paused");
      assertEquals(paused.result?.why, "backoff");
      assertEquals(await lab.decides(), 1);
      assertEquals((await lab.journalSince(journalBefore)).length, 1);

      // The world moved: the next beat retries at once, with the failure in the prompt, and acts.
      await lab.touchGoal("steer", "try again");
      const moved = await lab.beatExpect(0, "moved");
      assertEquals(moved.result?.move?.reason, "recovered");
      assertEquals(await lab.decides(), 2);
      const prompt = (await lab.prompts())[1];
      assertMatch(prompt, /===== LAST FAILURE =====\nThe previous decide failed: /);
      assert(!(await lab.exists(".tick-backoff")), "a success clears the backoff");
      const journal = await lab.journalSince(journalBefore);
      assertEquals(journal.length, 2);
      assertMatch(journal[1], / recovered after a refusal$/);
      assert(!(await Deno.lstat(marker).then(() => true, () => false)), "the refused command never ran later");
      await arranged?.finish();
    });
  });
}

Deno.test("a repeated failure is journaled once, and the backoff counts the failures", async () => {
  await withLab({}, async (lab) => {
    await lab.replies("no json here", "no json here", "no json here");
    const before = await lab.journal();
    await lab.beatExpect(1, "no-move");
    for (let i = 0; i < 2; i++) {
      await lab.touchGoal("steer", `attempt ${i}`);
      await lab.beatExpect(1, "no-move");
    }
    assertEquals(await lab.decides(), 3);
    const added = await lab.journalSince(before);
    assertEquals(added.length, 1, added.join("\n"));
    const backoff = JSON.parse(await Deno.readTextFile(`${lab.dir}/.tick-backoff`));
    assertEquals(backoff.failures, 3);
  });
});

Deno.test("runner failures yield no move (exit 1): garbage, a torn stream, an error stop, a non-zero exit", async () => {
  const torn = [
    '{"type":"session","version":3,"id":"s","timestamp":"2026-01-01T00:00:00.000Z","cwd":"/"}',
    '{"type":"agent_start"}',
    '{"type":"message_end","message":{"role":"assistant","content":[{"type":"text","text":"{\\"action\\":\\"noop\\",',
  ].join("\n");
  const errorStop = [
    '{"type":"agent_start"}',
    '{"type":"message_end","message":{"role":"assistant","content":[{"type":"text","text":"{\\"action\\":\\"noop\\",\\"reason\\":\\"x\\"}"}],"usage":{"cost":{"total":0.002}},"stopReason":"error","errorMessage":"overloaded_error: try later"}}',
    '{"type":"agent_end","messages":[]}',
  ].join("\n");
  const cases: { name: string; stream: string; exit?: string; reason: RegExp }[] = [
    { name: "garbage", stream: "\x00\x01 not a stream {{{ ]]]\n", reason: /no JSON object in the answer/ },
    { name: "torn", stream: torn, reason: /^the runner.s stream ended without a final answer \(2 events read\)$/ },
    { name: "error stop", stream: errorStop, reason: /the runner reported an error: overloaded_error: try later/ },
    {
      name: "non-zero exit",
      stream: '{"action":"noop","reason":"x"}\n',
      exit: "7",
      reason: /the runner exited 7/,
    },
  ];
  for (const c of cases) {
    await withLab({ runner: "fake-stream" }, async (lab) => {
      await Deno.writeTextFile(`${lab.base}/stream`, c.stream);
      // No retries here: the error stop's "overloaded" is transient (its retries have their own test).
      const env = {
        FAKE_STREAM_FILE: `${lab.base}/stream`,
        LOOOP_RUNNER_RETRIES: "0",
        ...(c.exit ? { FAKE_EXIT: c.exit } : {}),
      };
      const goals = await lab.goals();
      const b = await lab.beatExpect(1, "no-move", env);
      assertMatch(b.result?.reason ?? "", c.reason, c.name);
      assertEquals(await lab.decides(), 1);
      assertEquals(await lab.goals(), goals);
      assert(!(await lab.exists(".last-tick-hash")), c.name);
      const tree = await listTree(`${lab.dir}/runs`);
      assert(tree.some((p) => p.endsWith("/stream.jsonl")), `the raw stream is kept in runs/: ${tree.join(", ")}`);
      if (c.name === "error stop") {
        assertEquals((await lab.ledger()).map((r) => r.cost_usd), [0.002], "a failed decide's cost is recorded");
      }
    });
  }
});

Deno.test("backoff: min(60 s × 2^(n-1), 5 min) after n failures, counted from the failure's time", async () => {
  await withLab({}, async (lab) => {
    await lab.replies("no json", "no json");
    await lab.beatExpect(1, "no-move");
    const path = `${lab.dir}/.tick-backoff`;
    const backoff = JSON.parse(await Deno.readTextFile(path));
    assertEquals(backoff.failures, 1);
    const rewrite = (failures: number, agoS: number) =>
      Deno.writeTextFile(
        path,
        JSON.stringify({ ...backoff, failures, ts: new Date(Date.now() - agoS * 1000).toISOString() }),
      );

    await rewrite(1, 50); // 60 s after 1 failure: 10 s to go
    const p1 = await lab.beatExpect(0, "paused");
    assert(p1.result!.retryInS! > 0 && p1.result!.retryInS! <= 10, JSON.stringify(p1.result));
    await rewrite(3, 200); // 240 s after 3 failures: 40 s to go
    const p3 = await lab.beatExpect(0, "paused");
    assert(p3.result!.retryInS! > 30 && p3.result!.retryInS! <= 40, JSON.stringify(p3.result));
    await rewrite(9, 290); // capped at 300 s: 10 s to go
    const p9 = await lab.beatExpect(0, "paused");
    assert(p9.result!.retryInS! > 0 && p9.result!.retryInS! <= 10, JSON.stringify(p9.result));
    assertEquals(await lab.decides(), 1);

    await rewrite(2, 121); // 120 s after 2 failures: over, so the same world is decided again
    await lab.beatExpect(1, "no-move");
    assertEquals(await lab.decides(), 2);
    assertEquals(JSON.parse(await Deno.readTextFile(path)).failures, 3);
  });
});
