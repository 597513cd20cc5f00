/**
 * The decider in-process (src/decider/decide.ts) for what a CLI test cannot reach quickly: the
 * decide timeout (10 min by default) kills a hung runner with its whole process group; a bad
 * .decision.json fails the decide; runs/ keeps the prompt, the stream and the result.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually, withTempDir } from "../helpers.ts";
import { decide, pruneRuns } from "../../src/decider/decide.ts";
import { layout } from "../../src/store/layout.ts";
import { FIXTURES, processesWith, uniqueMark } from "../pulse/helpers.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir("looop-decide-", fn);

const runner = (tick: string) => ({ name: "pi", tick, interactive: "true" });

Deno.test("decide: a runner that never ends is killed at the timeout, children and all", async () => {
  await withDir(async (dir) => {
    const mark = uniqueMark();
    Deno.env.set("FAKE_HANG_MARK", mark);
    try {
      const pending = decide(layout(dir), {
        runner: runner(`${FIXTURES}/fake-hang`),
        prompt: "decide",
        timeoutS: 1,
        now: new Date(),
        configPath: `${dir}/config.json`,
      });
      await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 2, "the hung runner's sleeps");
      const r = await pending;
      assertEquals(r.kind, "failed");
      assertMatch(r.kind === "failed" ? r.reason : "", /^the runner timed out after 1s$/);
      await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "no sleep left", 5_000);
      const stream = await Deno.readTextFile(`${dir}/runs/${r.runId}/stream.jsonl`);
      assertMatch(stream, /"type":"agent_start"/, "the partial stream is kept");
      assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/runs/${r.runId}/result.json`)).ok, false);
    } finally {
      Deno.env.delete("FAKE_HANG_MARK");
    }
  });
});

Deno.test("decide: a .decision.json that does not hold one object fails the decide and is removed", async () => {
  await withDir(async (dir) => {
    Deno.env.set("FAKE_DECISION", '{"action":"noop","reason":"a"}{"action":"noop","reason":"b"}');
    try {
      const r = await decide(layout(dir), {
        runner: runner(`${FIXTURES}/fake-decision-file`),
        prompt: "decide",
        timeoutS: 30,
        now: new Date(),
        configPath: `${dir}/config.json`,
      });
      assertEquals(
        r.kind === "failed" ? r.reason : r.kind,
        ".decision.json: 2 JSON objects in the answer; exactly one move is needed",
      );
      assertEquals(r.costUsd, 0.003);
      assert(!(await Deno.lstat(`${dir}/.decision.json`).then(() => true, () => false)));
    } finally {
      Deno.env.delete("FAKE_DECISION");
    }
  });
});

Deno.test("decide: a runner not on PATH fails with how to fix it; runs/ keeps the prompt; old runs are pruned", async () => {
  await withDir(async (dir) => {
    const dd = layout(dir);
    const r = await decide(dd, {
      runner: runner("no-such-runner-xyz -p"),
      prompt: "the prompt",
      timeoutS: 5,
      now: new Date(),
      configPath: `${dir}/config.json`,
    });
    assertEquals(r.kind === "failed" ? [r.reason, r.notFound] : r.kind, [
      `runner 'pi' not found on PATH — install it or set "default" in ${dir}/config.json`,
      true,
    ]);
    assertEquals(await Deno.readTextFile(`${dir}/runs/${r.runId}/prompt.md`), "the prompt");
    for (let i = 0; i < 5; i++) await Deno.mkdir(`${dir}/runs/20000101-00000${i}-000-abcd`);
    await pruneRuns(dd, 2);
    const left = [];
    for await (const e of Deno.readDir(`${dir}/runs`)) left.push(e.name);
    assertEquals(left.length, 2);
    assert(left.includes(r.runId), "the newest runs are kept");
  });
});

Deno.test("decide: a runner that exits non-zero is explained by its stream's error, not stderr's last line", async () => {
  await withDir(async (dir) => {
    // As claude and codex print them when the model call fails (exit 1, a warning on stderr).
    const claudeError = '{"type":"result","subtype":"success","is_error":true,"result":"API Error: 400 no",' +
      '"total_cost_usd":0}';
    const codexError = '{"type":"turn.failed","error":{"message":"unexpected status 400: no"}}';
    const cases: [string, string][] = [
      [claudeError, "the runner exited 1: API Error: 400 no"],
      [codexError, "the runner exited 1: unexpected status 400: no"],
      ['{"type":"agent_start"}', "the runner exited 1: WARNING: unrelated"],
    ];
    for (const [line, reason] of cases) {
      const r = await decide(layout(dir), {
        runner: runner(`printf '%s\\n' '${line}'; echo "WARNING: unrelated" >&2; exit 1`),
        prompt: "decide",
        timeoutS: 30,
        now: new Date(),
        configPath: `${dir}/config.json`,
      });
      assertEquals(r.kind === "failed" ? r.reason : r.kind, reason);
    }
  });
});
