/**
 * Worker health (#16): a live worker is busy while it prints, stuck once it is silent past
 * LOOOP_WORKER_STUCK_SECS with no ask, and busy again when it prints. The flip is in
 * sys-sessions' signal, so it wakes exactly one decide each way, is journaled once, and the
 * prompt names the stuck worker.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { countMatching, withLab } from "./helpers.ts";

const section = (prompt: string, title: string) => {
  const m = new RegExp(`===== ${title} =====\\n([\\s\\S]*?)\\n(?=\\n=====|$)`).exec(prompt);
  return m?.[1];
};

const STUCK_S = 2;
const STUCK = { LOOOP_WORKER_STUCK_SECS: String(STUCK_S) };
/** A threshold no test reaches: the worker counts as busy whatever its silence. */
const PATIENT = { LOOOP_WORKER_STUCK_SECS: "3600" };

Deno.test("a worker that goes silent is reported stuck once, then busy again when it prints", async () => {
  await withLab({}, async (lab) => {
    const go = `${lab.base}/go`;
    const script = `${lab.base}/worker.sh`;
    // Prints, then waits (silently) for the test's file, then prints on and on.
    await Deno.writeTextFile(
      script,
      `echo working\nwhile [ ! -e '${go}' ]; do sleep 0.1; done\nwhile :; do echo tick; sleep 0.2; done\n`,
    );
    await lab.configure({ runners: { pi: { interactive: `bash '${script}'` } } });
    await lab.replies({ action: "start_worker", id: "w1", prompt: "work" });
    assertEquals((await lab.beatExpect(0, "moved", PATIENT)).result?.move?.action, "start_worker");
    const output = `${lab.dir}/sessions/w1/output.log`;
    await eventually(async () => (await Deno.readTextFile(output).catch(() => "")).includes("working"), "its output");

    // Busy: the new worker is one change (one decide), then the world stands.
    await lab.beatExpect(0, "moved", PATIENT);
    assertEquals((await lab.beatExpect(0, "skipped", PATIENT)).result?.kind, "skipped");
    const health = async () =>
      (await lab.snapshot("sys-sessions") as { signal: Record<string, { health?: string }> }).signal.w1?.health;
    assertEquals(await health(), "busy");
    assertEquals(await lab.decides(), 2);

    // Silent past the threshold, no ask: stuck, which wakes one decide whose prompt names it.
    await eventually(
      async () => Date.now() - (await Deno.stat(output)).mtime!.getTime() > STUCK_S * 1000 + 500,
      "the worker to be silent past the threshold",
    );
    const before = await lab.journal();
    await lab.beatExpect(0, "moved", STUCK);
    assertEquals(await health(), "stuck");
    assertEquals(await lab.decides(), 3);
    const stuckPrompt = (await lab.prompts())[2];
    assertMatch(section(stuckPrompt, "STUCK WORKERS") ?? "", /^- w1: no output for \d+s$/m);
    assertMatch(
      section(stuckPrompt, "SENSOR READINGS") ?? "",
      /"w1":\{"state":"running","exit_code":null,"health":"stuck"\}/,
    );
    const list = JSON.parse((await lab.ok(["_", "worker", "list", "--json"], { env: STUCK })).stdout);
    assertEquals(list.map((r: { id: string; health: string }) => [r.id, r.health]), [["w1", "stuck"]]);
    const text = (await lab.ok(["_", "worker", "list"], { env: STUCK })).stdout;
    assertMatch(text, /^w1\s+running\s+stuck\s+\d+/m);
    const sessions = JSON.parse((await lab.ok(["_", "sessions", "--json"], { env: STUCK })).stdout);
    assertEquals(sessions.find((r: { id: string }) => r.id === "w1")?.health, "stuck");

    // Still silent: said once, decided once.
    assertEquals((await lab.beatExpect(0, "skipped", STUCK)).result?.kind, "skipped");
    assertEquals(await lab.decides(), 3);
    const stuckLines = await lab.journalSince(before);
    assertEquals(countMatching(stuckLines, /worker w1 is stuck: alive, no output for 2s, no ask pending$/), 1);

    // It prints again: busy, one more decide, and the prompt no longer has the section.
    await Deno.writeTextFile(go, "");
    await eventually(async () => (await Deno.readTextFile(output)).includes("tick"), "the worker to print again");
    const again = await lab.journal();
    await lab.beatExpect(0, "moved", STUCK);
    assertEquals(await health(), "busy");
    assertEquals(await lab.decides(), 4);
    assertEquals(section((await lab.prompts())[3], "STUCK WORKERS"), undefined);
    assertEquals(countMatching(await lab.journalSince(again), /worker w1 is busy again$/), 1);
    assert(!(await lab.journal()).slice(again.length).some((l) => /stuck/.test(l)), "not stuck again");
  });
});
