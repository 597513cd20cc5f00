/**
 * Verified work and plain-command workers (#16): a start_worker may carry `verify`, one command
 * run in the OS sandbox once the worker ends, whose verdict is recorded in the session and in
 * sys-sessions (so it reaches the prompt), and `command`, run instead of the runner's interactive
 * one. A worker that ends itself with `_ kill` is done.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { streamLooop } from "../supervisor/helpers.ts";
import { countMatching, withLab } from "./helpers.ts";

type Row = { id: string; state: string; health: string; verify: { ok: boolean; status: string; tail: string } | null };

Deno.test("a verify that passes and one that fails are recorded and reach the prompt; a worker that kills itself is done", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      {
        action: "start_worker",
        id: "w1",
        prompt: "finish and end yourself",
        command: `head -c 0 {{prompt_file}} && echo brief at {{prompt_file}} && "$LOOOP_BIN" _ kill`,
        verify: "echo all green",
      },
      {
        action: "start_worker",
        id: "w2",
        prompt: "exit on your own",
        command: "echo working; exit 0",
        verify: "echo 'tests red: 2 failed' >&2; exit 3",
      },
    );
    const rows = async () => JSON.parse((await lab.ok(["_", "worker", "list", "--json"])).stdout) as Row[];
    const ended = (id: string) =>
      eventually(async () => (await rows()).find((r) => r.id === id && r.state !== "running"), `${id} to end`);

    assertEquals((await lab.beatExpect(0, "moved")).result?.move?.action, "start_worker");
    // The plain command ran in the worker's terminal, with {{prompt_file}} as the brief's path.
    const output = await eventually(
      async () => {
        const text = await Deno.readTextFile(`${lab.dir}/sessions/w1/output.log`).catch(() => "");
        return text.includes("brief at") ? text : undefined;
      },
      "w1's output",
    );
    assertMatch(output, new RegExp(`brief at ${lab.dir}/sessions/w1/prompt\\.md`));
    assertEquals((await ended("w1")).state, "done", "it ended itself with _ kill");

    // The beat after its end runs its verify, journals the verdict with the end, and decides on it.
    const before = await lab.journal();
    await lab.beatExpect(0, "moved");
    const w1 = (await rows()).find((r) => r.id === "w1");
    assertEquals([w1?.health, w1?.verify?.ok, w1?.verify?.status, w1?.verify?.tail], [
      "done",
      true,
      "exit 0",
      "all green",
    ]);
    const verified = JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/w1/verify.json`));
    assertEquals([verified.ok, verified.code], [true, 0]);
    assertMatch((await lab.prompts())[1], /"w1":\{"state":"done","exit_code":null,"health":"done","verify":"passed"\}/);
    assertEquals(countMatching(await lab.journalSince(before), /worker w1 done; verify passed$/), 1);

    assertEquals((await ended("w2")).state, "exited");
    await lab.beatExpect(0, "moved");
    const w2 = (await rows()).find((r) => r.id === "w2");
    assertEquals([w2?.verify?.ok, w2?.verify?.status, w2?.verify?.tail], [false, "exit 3", "tests red: 2 failed"]);
    const prompt = (await lab.prompts())[2];
    assertMatch(prompt, /"w2":\{"state":"exited","exit_code":0,"health":"exited","verify":"failed"\}/);
    assertMatch(prompt, /"w2":\{"status":"exit 3","tail":"tests red: 2 failed"\}/);
    assertMatch(prompt, /worker w2 exited 0\b.*; verify failed \(exit 3\)$/m);
    assertMatch((await lab.ok(["_", "sessions"])).stdout, /^w2\s+exited\s.*exit 0 verify failed \(exit 3\)$/m);

    // Run once: the next beat finds the verdicts recorded and the world unchanged.
    assertEquals((await lab.beatExpect(0, "skipped")).result?.kind, "skipped");
    assertEquals(JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/w1/verify.json`)).ts, verified.ts);
  });
});

Deno.test("a decided verify or command that matches an irreversible pattern is refused; nothing starts", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      { action: "start_worker", id: "w1", prompt: "p", verify: "git push --force origin main" },
      { action: "start_worker", id: "w2", prompt: "p", command: "rm -rf ~/work" },
    );
    const first = await lab.beatExpect(3, "refused");
    assertMatch(first.result?.reason ?? "", /^start_worker \(irreversible\): verify: .*irreversible — start a worker/);
    await lab.touchGoal("retry", "a human's edit ends the backoff"); // so the next beat decides at once
    const second = await lab.beatExpect(3, "refused");
    assertMatch(
      second.result?.reason ?? "",
      /^start_worker \(irreversible\): command: .*irreversible — start a worker/,
    );
    assertEquals(await lab.workerIds(), []);
  });
});

Deno.test("by hand: --command is the human's own (no irreversible gate), --verify is screened like the move's", async () => {
  await withLab({}, async (lab) => {
    const started = await lab.run([
      "_",
      "worker",
      "start",
      "h1",
      "the brief",
      "--command",
      `rm -rf "$LOOOP_DATA_DIR/scratch/nothing-here"; echo human brief {{prompt_file}}`,
    ]);
    assertEquals(started.code, 0, started.stderr);
    await eventually(
      async () =>
        (await Deno.readTextFile(`${lab.dir}/sessions/h1/output.log`).catch(() => "")).includes("human brief"),
      "h1's output",
    );
    const launch = JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/h1/launch.json`));
    assertMatch(launch.command, new RegExp(`echo human brief '${lab.dir}/sessions/h1/prompt\\.md'$`));
    const refused = await lab.run(["_", "worker", "start", "h2", "b", "--verify", "git push --force"]);
    assertEquals(refused.code, 3);
    assertMatch(refused.stderr, /^looop: refused \(irreversible\): verify: .*irreversible — start a worker/);
    assertEquals(await lab.workerIds(), ["h1"]);
  });
});

Deno.test("a verify cut short by the pulse's stop is not reported; the next beat runs it and reports the worker once", async () => {
  await withLab({}, async (lab) => {
    await lab.replies({
      action: "start_worker",
      id: "w1",
      prompt: "exit on your own",
      command: "exit 0",
      // Slow the first time only: the beat cut short runs it once, the next beat to its end.
      verify:
        'if [ ! -e "$TMPDIR/verify-started" ]; then : > "$TMPDIR/verify-started"; sleep 60; fi; echo slow but green',
    });
    // A sandboxed sensor, sensed after the housekeeping the stop cuts short.
    await lab.sensor("steady", `#!/bin/sh\necho '{"signal":{"ok":1}}'\n`);
    await lab.beatExpect(0, "moved");
    await eventually(
      async () =>
        JSON.parse((await lab.ok(["_", "sessions", "--json"])).stdout).some(
          (r: { id: string; state: string }) => r.id === "w1" && r.state !== "running",
        ),
      "w1 to end",
    );
    // The next beat runs the verify; SIGTERM stops the beat while it runs.
    const before = await lab.journal();
    const beat = streamLooop(["_", "beat", "--json"], lab.env);
    const started = `${lab.dir}/scratch/tmp/verify-started`;
    await eventually(() => Deno.stat(started).then(() => true, () => false), "the verify to run");
    beat.child.kill("SIGTERM");
    const stopped = await beat.done;
    assertEquals(stopped.code, 143, `${stopped.stdout}\n${stopped.stderr}`);
    assertEquals(await Deno.stat(`${lab.dir}/sessions/w1/verify.json`).then(() => "written", () => "none"), "none");
    assertEquals(
      countMatching(await lab.journalSince(before), /worker w1 /),
      0,
      "not reported while its verify is due",
    );
    // Then: run to the end, recorded, reported once with its verdict.
    await lab.beat();
    const verify = JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/w1/verify.json`));
    assertEquals([verify.ok, verify.tail], [true, "slow but green"]);
    assertEquals(countMatching(await lab.journalSince(before), /worker w1 exited 0; verify passed$/), 1);
    await lab.beat();
    assertEquals(countMatching(await lab.journalSince(before), /worker w1 /), 1, "once");
  });
});
