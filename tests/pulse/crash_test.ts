/**
 * SIGKILL of the pulse, then `up` again (SPEC §5: state lives in the data dir, so a crash loses
 * nothing): killed right after starting a worker, the worker lives on and is never started twice;
 * killed while a run_shell runs, the intent record (.action-wal.json) makes the next pulse report
 * it once and never retry it; the journal keeps every line written before each kill, once.
 * `down` then leaves no process of the data dir behind.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { countMatching, processesOf, processesWith, type PulseLab, uniqueMark, withLab } from "./helpers.ts";

/** `up`, then the pid of the pulse it started (a fresh meta.json, held lock). */
async function up(lab: PulseLab, previous?: number): Promise<number> {
  const r = await lab.ok(["up"]);
  const pid = Number(/\(pid (\d+)\)/.exec(r.stdout)?.[1]);
  assert(pid > 0 && pid !== previous, `up: ${r.stdout}`);
  assertEquals(await lab.metaPid("pulse"), pid);
  assertEquals((await processesOf(lab.dir)).filter((p) => p.pid === pid).length, 1, "the pulse process runs");
  return pid;
}

async function kill9(lab: PulseLab, pid: number): Promise<void> {
  Deno.kill(pid, "SIGKILL");
  await eventually(async () => !(await processesOf(lab.dir)).some((p) => p.pid === pid), `pulse ${pid} gone`);
}

Deno.test("SIGKILL of the pulse at a worker start and mid run_shell: nothing lost, duplicated or retried", async () => {
  const mark = uniqueMark();
  await withLab({
    env: { LOOOP_INTERVAL: "3600" },
    config: { runners: { pi: { interactive: `sleep ${mark}` } } },
  }, async (lab) => {
    const marker = `${lab.dir}/marker`; // inside the data dir, where a sandboxed run_shell may write
    const shell = `sleep 3; echo ran >> ${marker}`;
    await lab.replies(
      { action: "start_worker", id: "w1", prompt: "work on w1" },
      { action: "start_worker", id: "w1", prompt: "work on w1 again" },
      { action: "run_shell", cmd: shell, reason: "slow and not idempotent" },
    ); // then fake-pi's default noop

    // 1. The first beat starts worker w1; the pulse dies right after.
    const p1 = await up(lab);
    await eventually(() => lab.metaPid("w1"), "worker w1 started");
    await kill9(lab, p1);
    const workerPid = (await lab.metaPid("w1"))!;
    const journal1 = await lab.journal();
    assertEquals((await processesWith(`sleep ${mark}`)).length, 1, "the worker survives the pulse");

    // 2. Up again: the decider asks for w1 again, which is alive: refused, not started twice.
    const p2 = await up(lab, p1);
    await eventually(async () => countMatching(await lab.journal(), /already running/) === 1, "the refusal");
    const w1 = (await lab.sessions()).filter((s) => s.id === "w1");
    assertEquals(w1.map((s) => [s.state, s.pid]), [["running", workerPid]], "one live w1, the same one");
    assertEquals((await processesWith(`sleep ${mark}`)).length, 1);

    // Steering moves the world (backoff is armed): the next decide is the slow run_shell; kill mid-way.
    await lab.ok(["_", "goal", "write", "g2", "go on"]);
    await eventually(() => lab.exists(".action-wal.json"), "the run_shell's intent record");
    const wal = JSON.parse(await Deno.readTextFile(`${lab.dir}/.action-wal.json`));
    assertEquals([wal.action, wal.cmd], ["run_shell", shell]);
    await kill9(lab, p2);
    const journal2 = await lab.journal();
    assertEquals(journal2.slice(0, journal1.length), journal1, "nothing before the first kill was lost");

    // 3. Up again: the interrupted run_shell is reported once and not retried; the loop goes on.
    const p3 = await up(lab, p2);
    await eventually(
      async () => countMatching(await lab.journal(), /noop: nothing to do/) === 1,
      "the next decide (a noop) after the restart",
    );
    assert(!(await lab.exists(".action-wal.json")), "the intent record was consumed");
    // Unsandboxed, the killed pulse's bash -c runs on in its own process group and appends once;
    // in the OS sandbox (which dies with the pulse) it is cut short and appends nothing. Never twice.
    const orphan = await Deno.readTextFile(marker).catch(() => "");
    assert(orphan === "" || orphan === "ran\n", JSON.stringify(orphan));
    // One more steered decide: still no retry.
    await lab.ok(["_", "goal", "write", "g3", "and on"]);
    await eventually(async () => countMatching(await lab.journal(), /noop: nothing to do/) === 2, "another decide");
    await new Promise((r) => setTimeout(r, 3500)); // longer than the command's own sleep: a retry would have written
    const after = await Deno.readTextFile(marker).catch(() => "");
    assert(after === "" || after === "ran\n", `the run_shell was never run again: ${JSON.stringify(after)}`);
    assertEquals(await lab.metaPid("pulse"), p3);

    const journal = await lab.journal();
    assertEquals(journal.slice(0, journal2.length), journal2, "nothing before the second kill was lost");
    const interrupted = journal.filter((l) => /interrupted run_shell/.test(l));
    assertEquals(interrupted.length, 1, journal.join("\n"));
    assertMatch(
      interrupted[0],
      /interrupted run_shell found \(run \S+, started \S+\): sleep 3; echo ran >> .* — not retried; check its effect$/,
    );
    assert(countMatching(journal, /start_worker w1/) <= 1, journal.join("\n"));
    assertEquals(countMatching(journal, /already running/), 1);
    assertEquals(countMatching(journal, /run_shell: sleep 3/), 0, "the killed run_shell never finished in a pulse");
    for (const line of new Set(journal)) {
      if (/^- \S+ \S+ (noop|write_goal)/.test(line)) continue; // may repeat legitimately in one minute
      assertEquals(countMatching(journal, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)), 1, line);
    }
    assertEquals((await lab.sessions()).filter((s) => s.id === "w1").map((s) => s.pid), [workerPid]);

    const down = await lab.ok(["down"]);
    assertMatch(down.stdout, /^pulse stopped; stopped 1 worker\(s\): w1\n$/);
    assertEquals(await lab.noProcessesLeft(), [], "no process of the data dir after down");
    assertEquals((await processesWith(`sleep ${mark}`)).length, 0);
  });
});
