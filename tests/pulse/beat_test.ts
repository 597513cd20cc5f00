/**
 * One beat end to end through the real CLI (SPEC §5): a changed world costs one decide, one move,
 * one journal line and one ledger line; an unchanged world, or one whose sensors changed only
 * under `detail`, costs no runner call; a PLAYBOOK edit costs exactly one; next_interval_s forces
 * the next beat to decide.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually, JOURNAL_LINE } from "../helpers.ts";
import { withLab } from "./helpers.ts";

Deno.test("a changed world: one decide, one move, one journal line, one ledger line; unchanged: no runner call", async () => {
  await withLab({ env: { FAKE_COST: "0.0042" } }, async (lab) => {
    await lab.replies({ action: "write_goal", id: "ship", body: "ship v2", journal: "wrote the ship goal" });
    const before = await lab.journal();

    const b = await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 1);
    assertEquals(b.result?.move, { action: "write_goal", id: "ship", body: "ship v2", journal: "wrote the ship goal" });
    assertEquals(await Deno.readTextFile(`${lab.dir}/goals/ship.md`), "ship v2\n", "the move was executed");
    const added = await lab.journalSince(before);
    assertEquals(added.length, 1, added.join("\n"));
    assertMatch(added[0], JOURNAL_LINE);
    assert(added[0].endsWith(" wrote the ship goal"), added[0]);
    const ledger = await lab.ledger();
    assertEquals(ledger.map((r) => [r.kind, r.id, r.runner, r.cost_usd]), [["tick", "pulse", "pi", 0.0042]]);
    assert(!Number.isNaN(Date.parse(ledger[0].ts)));

    // The move's own write is a change of the world (#15): the next beat decides on it, once; its
    // noop changes nothing, so after it the world stands: no runner call.
    const second = await lab.beatExpect(0, "moved");
    assertEquals(second.result?.move?.action, "noop");
    assertEquals(await lab.decides(), 2);
    const settled = await lab.journalSince(before);
    assertEquals(settled.length, 2, settled.join("\n"));
    for (let i = 0; i < 2; i++) await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 2);
    assertEquals(await lab.journalSince(before), settled, "a skipped beat journals nothing");
    assertEquals((await lab.ledger()).length, 2, "a skipped beat records no cost");

    // runs/<run_id>/ keeps what was sent and what came back; the runner ran in runs/<run_id>/cwd,
    // a fresh empty dir (no context file of the data dir reaches it).
    const runs = [];
    for await (const e of Deno.readDir(`${lab.dir}/runs`)) runs.push(e.name);
    runs.sort();
    assertEquals(runs.length, 2);
    const run = `${lab.dir}/runs/${runs[0]}`;
    assertEquals((await Deno.readTextFile(`${run}/prompt.md`)).trimEnd(), (await lab.prompts())[0]);
    assertMatch(await Deno.readTextFile(`${run}/stream.jsonl`), new RegExp(`"cwd":"${run}/cwd"`));
    assertEquals([...Deno.readDirSync(`${run}/cwd`)], [], "the runner's dir is empty");
    assertEquals(JSON.parse(await Deno.readTextFile(`${run}/move.json`)), b.result?.move);

    // `_ beat` ended, and with it everything it started (the sandbox's proxies too).
    assertEquals(await lab.noProcessesLeft(), []);
  });
});

Deno.test("a run_shell move runs in the data dir, its output kept in runs/, its status journaled", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      { action: "run_shell", cmd: "pwd > scratch/where.txt; echo hello; echo oops >&2", reason: "look" },
      { action: "run_shell", cmd: "exit 2", reason: "fail", journal: "tried a failing command" },
    );
    const before = await lab.journal();
    const b = await lab.beatExpect(0, "moved");
    assertEquals(await Deno.readTextFile(`${lab.dir}/scratch/where.txt`), `${lab.dir}\n`);
    const log = await Deno.readTextFile(`${lab.dir}/runs/${/\d{8}-\S+/.exec(await runIds(lab))![0]}/shell.log`);
    assertEquals(log, "$ pwd > scratch/where.txt; echo hello; echo oops >&2\nhello\n\n[stderr]\noops\n\n[exit 0]\n");
    assert(!(await lab.exists(".action-wal.json")), "the intent record is removed after the command");
    assertMatch(
      b.result?.journal ?? "",
      / run_shell: pwd > scratch\/where\.txt; echo hello; echo oops >&2 \(exit 0\)$/,
    );
    await lab.touchGoal("g", "again");
    const failed = await lab.beatExpect(0, "moved");
    assertMatch(failed.result?.journal ?? "", / tried a failing command \(exit 2\)$/);
    assertEquals((await lab.journalSince(before)).length, 2);
  });
});

async function runIds(lab: { dir: string }): Promise<string> {
  const names = [];
  for await (const e of Deno.readDir(`${lab.dir}/runs`)) names.push(e.name);
  return names.sort().join(" ");
}

Deno.test("a change only under a sensor's detail never wakes the decider; a signal change does", async () => {
  await withLab({}, async (lab) => {
    await lab.sensor(
      "clock",
      `#!/bin/sh\nprintf '{"signal":{"a":%s},"detail":{"t":"%s"}}' "$(cat "$LOOOP_DATA_DIR/../a" 2>/dev/null || echo 1)" "$(date +%N)"\n`,
    );
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 1);
    const first = await lab.snapshot("sensor-clock");
    for (let i = 0; i < 2; i++) await lab.beatExpect(0, "skipped");
    const later = await lab.snapshot("sensor-clock");
    assertEquals(later.signal, { a: 1 });
    assert(
      JSON.stringify(later.detail) !== JSON.stringify(first.detail),
      "the detail did change between beats (the test would prove nothing otherwise)",
    );
    assertEquals(await lab.decides(), 1, "detail changes made no runner call");

    await Deno.writeTextFile(`${lab.base}/a`, "2");
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 2, "a signal change made one runner call");
    assertEquals((await lab.snapshot("sensor-clock")).signal, { a: 2 });
    const prompt = (await lab.prompts())[1];
    assertMatch(prompt, /sensor-clock: a 1 → 2/, "WHAT CHANGED names the moved signal key");
  });
});

Deno.test("a PLAYBOOK edit through `_ playbook write` makes exactly one runner call", async () => {
  await withLab({}, async (lab) => {
    await lab.beatExpect(0, "moved");
    await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 1);
    await lab.ok(["_", "playbook", "write", "# PLAYBOOK\n\nbe brief\n"]);
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 2);
    await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 2);
    const prompt = (await lab.prompts())[1];
    assertMatch(prompt, /===== PLAYBOOK =====\n# PLAYBOOK\n\nbe brief\n/);
    assertMatch(prompt, /PLAYBOOK\.md: edited/);
  });
});

Deno.test("a decided write_playbook keeps the PLAYBOOK it replaced, up to LOOOP_PLAYBOOK_KEEP of them", async () => {
  await withLab({ env: { LOOOP_PLAYBOOK_KEEP: "1" } }, async (lab) => {
    const seeded = await Deno.readTextFile(`${lab.dir}/PLAYBOOK.md`);
    await lab.replies({ action: "write_playbook", body: "# v1" }, { action: "write_playbook", body: "# v2" });
    await lab.beatExpect(0, "moved");
    const history = async () => JSON.parse((await lab.ok(["_", "playbook", "history", "--json"])).stdout);
    const first = await history();
    assertEquals(first.map((v: { n: number; first_line: string }) => [v.n, v.first_line]), [[1, "# PLAYBOOK"]]);
    assertEquals(await Deno.readTextFile(`${lab.dir}/playbook.d/${first[0].file}`), seeded);
    // Its own write is the next beat's change: that decide replaces v1, and one version is kept.
    await lab.beatExpect(0, "moved");
    assertEquals(await Deno.readTextFile(`${lab.dir}/PLAYBOOK.md`), "# v2\n");
    assertEquals((await history()).map((v: { first_line: string }) => v.first_line), ["# v1"]);
  });
});

Deno.test("claude's stream-json: the move from the result event, the ledger cost = total_cost_usd", async () => {
  await withLab({ runner: "fake-claude", name: "claude", env: { FAKE_COST: "0.0123" } }, async (lab) => {
    await lab.replies({ action: "noop", reason: "quiet", journal: "claude says quiet" });
    const b = await lab.beatExpect(0, "moved");
    assertEquals(b.result?.move, { action: "noop", reason: "quiet", journal: "claude says quiet" });
    assertEquals((await lab.ledger()).map((r) => [r.kind, r.runner, r.cost_usd]), [["tick", "claude", 0.0123]]);
    assertEquals(await lab.decides(), 1);
    await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 1);
  });
});

Deno.test("a runner that writes .decision.json: the move comes from the file, which is then removed", async () => {
  const decision = JSON.stringify({ action: "write_goal", id: "from-file", body: "decided in a file" });
  await withLab({ runner: "fake-decision-file", env: { FAKE_DECISION: decision } }, async (lab) => {
    const b = await lab.beatExpect(0, "moved");
    assertEquals(b.result?.move, JSON.parse(decision));
    assertEquals(await Deno.readTextFile(`${lab.dir}/goals/from-file.md`), "decided in a file\n");
    assert(!(await lab.exists(".decision.json")), ".decision.json is consumed");
  });
});

Deno.test("next_interval_s forces the next beat to decide although the world did not change", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      { action: "noop", reason: "check again soon", next_interval_s: 2 },
      { action: "noop", reason: "settled" },
    );
    const first = await lab.beatExpect(0, "moved");
    assertEquals(first.result?.nextIntervalS, 5, "clamped to 5..300");
    const second = await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 2, "the nudged beat decided");
    assertEquals(second.result?.move, { action: "noop", reason: "settled" });
    assertMatch((await lab.prompts())[1], /===== WHAT CHANGED =====\n\(nothing: a scheduled or forced beat\)/);
    // Once only: the move without next_interval_s lets the next unchanged beat skip.
    await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 2);
  });
});

Deno.test("a plain-text runner (no event stream) whose answer is the bare move: moved, unmetered", async () => {
  await withLab(
    { runner: "fake-stream", name: "plain", config: { runners: { plain: { interactive: "true" } } } },
    async (lab) => {
      await Deno.writeTextFile(`${lab.base}/stream`, 'Quiet today.\n{"action":"noop","reason":"plain text"}\n');
      const b = await lab.beatExpect(0, "moved", { FAKE_STREAM_FILE: `${lab.base}/stream` });
      assertEquals(b.result?.move, { action: "noop", reason: "plain text" });
      assertEquals(await lab.ledger(), [], "no cost reported, none recorded");
    },
  );
});

Deno.test("a runner with a tick but no interactive command: the decide fails saying both are needed", async () => {
  await withLab({ runner: "fake-pi", name: "custom" }, async (lab) => {
    const b = await lab.beatExpect(1, "no-move");
    assertEquals(
      b.result?.reason,
      `runner 'custom' has no tick or no interactive command — set runners.custom.tick and .interactive in ${lab.dir}/config.json`,
    );
    assertEquals(await lab.decides(), 0);
  });
});

Deno.test("housekeeping: a worker that exits on its own is journaled once; an interrupted run_shell once", async () => {
  await withLab({ config: { runners: { pi: { interactive: "sh -c 'exit 4'" } } } }, async (lab) => {
    await lab.ok(["_", "worker", "start", "w1", "a short job"]);
    await eventually(async () => (await lab.sessions()).some((s) => s.id === "w1" && s.state === "exited"), "w1 ends");
    await Deno.writeTextFile(
      `${lab.dir}/.action-wal.json`,
      JSON.stringify({ run_id: "r1", action: "run_shell", cmd: "make tea", ts: "2026-01-01T00:00:00.000Z" }) + "\n",
    );
    const before = await lab.journal();
    await lab.beatExpect(0, "moved");
    await lab.touchGoal("g", "changed");
    await lab.beatExpect(0, "moved");
    const added = await lab.journalSince(before);
    assertEquals(added.filter((l) => / worker w1 /.test(l)).map((l) => l.replace(/^- \S+ \S+ /, "")), [
      "worker w1 exited 4",
    ]);
    assertEquals(
      added.filter((l) => /interrupted/.test(l)).map((l) => l.replace(/^- \S+ \S+ /, "")),
      ["interrupted run_shell found (run r1, started 2026-01-01T00:00:00.000Z): make tea — not retried; check its effect"],
    );
    assert(!(await lab.exists(".action-wal.json")));
    assertEquals((await lab.snapshot("sys-sessions")).signal, {
      w1: { state: "exited", exit_code: 4, health: "exited" },
    });
  });
});

Deno.test("housekeeping: scratch/ leftovers go after a day, a killed writer's temp file after an hour; fresh files stay", async () => {
  await withLab({}, async (lab) => {
    const tmp = `${lab.dir}/scratch`;
    // A planted link to a file outside: the link goes as an entry, what it points to stays.
    const outside = `${lab.base}/outside-target`;
    await Deno.writeTextFile(outside, "keep me\n");
    await Deno.symlink(outside, `${tmp}/old-link`);
    await Deno.mkdir(`${tmp}/old-dir/deep`, { recursive: true });
    await Deno.writeTextFile(`${tmp}/old-dir/deep/f`, "x");
    await Deno.writeTextFile(`${tmp}/old-file`, "x");
    await Deno.writeTextFile(`${tmp}/fresh-file`, "x");
    const twoDaysAgo = new Date(Date.now() - 2 * 86400_000);
    for (const p of ["old-dir/deep/f", "old-dir/deep", "old-dir", "old-file"]) {
      await Deno.utime(`${tmp}/${p}`, twoDaysAgo, twoDaysAgo);
    }
    // A link's own time is now: make it old without touching its target.
    await new Deno.Command("touch", { args: ["-h", "-d", twoDaysAgo.toISOString(), `${tmp}/old-link`] }).output();
    // A goal writer killed between its temp file and the rename: stale after an hour, fresh before.
    const goals = `${lab.dir}/goals`;
    await Deno.writeTextFile(`${goals}/.g.md.123456.tmp`, "half a goal");
    await Deno.writeTextFile(`${goals}/.h.md.789.tmp`, "a write in progress");
    await Deno.utime(`${goals}/.g.md.123456.tmp`, twoDaysAgo, twoDaysAgo);
    await lab.beat();
    const left = (await Array.fromAsync(Deno.readDir(tmp))).map((e) => e.name).sort();
    assertEquals(left, ["fresh-file", "tmp"]);
    assertEquals(await Deno.readTextFile(outside), "keep me\n", "the link's target is untouched");
    const temps = (await Array.fromAsync(Deno.readDir(goals))).map((e) => e.name).filter((n) => n.endsWith(".tmp"));
    assertEquals(temps, [".h.md.789.tmp"]);
  });
});
