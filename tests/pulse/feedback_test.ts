/**
 * The loop sees its own moves (#15): the pulse commits the world its decision saw, so a move's
 * effects are the next beat's change, named in WHAT CHANGED; a run_shell's result reaches the
 * next decide once, in a RUN_SHELL OUTPUT section, a sandbox denial named as such.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { withLab } from "./helpers.ts";

const section = (prompt: string, title: string) => {
  const m = new RegExp(`===== ${title} =====\\n([\\s\\S]*?)\\n(?=\\n=====|$)`).exec(prompt);
  return m?.[1];
};

Deno.test("write the goal, then decide on it: beat 2 sees the goal in WHAT CHANGED, a noop settles, beat 4 skips", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      { action: "write_goal", id: "ship", body: "---\ngoal: ship v2\n---\nship it\n" },
      { action: "noop", reason: "the goal needs a worker, but not before tomorrow" },
      { action: "noop", reason: "nothing new" },
    );
    assertEquals((await lab.beatExpect(0, "moved")).result?.move?.action, "write_goal");
    const second = await lab.beatExpect(0, "moved");
    assertEquals(second.result?.move?.action, "noop", "beat 2 decided on its own: nothing else changed");
    const prompts = await lab.prompts();
    assertEquals(prompts.length, 2);
    assertMatch(section(prompts[1], "WHAT CHANGED") ?? "", /^goal ship: new$/m);
    // The noop changed nothing: the world stands, and the loop settles.
    assertEquals((await lab.beat()).result?.kind, "skipped");
    assertEquals((await lab.beat()).result?.kind, "skipped");
    assertEquals(await lab.decides(), 2);
  });
});

Deno.test("a failing run_shell and a sandbox-denied one: the next prompt carries the status and the stderr tail, once", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      { action: "run_shell", cmd: "echo partial; echo 'no such thing' >&2; exit 3", reason: "try" },
      { action: "run_shell", cmd: "touch /etc/looop-denied-probe || true; echo done", reason: "write outside" },
      { action: "noop", reason: "seen" },
      { action: "noop", reason: "again" },
    );
    const first = await lab.beatExpect(0, "moved");
    assertMatch(first.result?.journal ?? "", /\(exit 3\)$/);
    // Nothing in the world changed, but the command's result is news: beat 2 decides with it.
    await lab.beatExpect(0, "moved");
    let prompts = await lab.prompts();
    const out = section(prompts[1], "RUN_SHELL OUTPUT") ?? "";
    assertMatch(
      out,
      /^Your last move ran \(run \S+\): echo partial; echo 'no such thing' >&2; exit 3\nIt ended: exit 3\./,
    );
    assertMatch(out, /--- stdout \(end\) ---\npartial\n--- stderr \(end\) ---\nno such thing$/);
    assert(!/The OS sandbox refused/.test(out), "a plain failure is not a denial");

    // The denied write exits 0 (`|| true`): the prompt says the sandbox refused it.
    await lab.beatExpect(0, "moved");
    prompts = await lab.prompts();
    const denied = section(prompts[2], "RUN_SHELL OUTPUT") ?? "";
    assertMatch(denied, /It ended: exit 0, denied by the sandbox\.\nThe OS sandbox refused something/);
    assertMatch(
      denied,
      /--- stderr \(end\) ---\n.*\/etc\/looop-denied-probe.*(Read-only file system|Permission denied)/,
    );
    assert(!(await Deno.stat("/etc/looop-denied-probe").then(() => true, () => false)), "nothing written outside");
    const line = (await lab.journal()).find((l) => l.includes("looop-denied-probe"));
    assertMatch(line ?? "", /\(exit 0, denied by the sandbox\)$/);

    // That decide (a noop) saw it; the loop settles, and a later decide no longer carries the section.
    assertEquals((await lab.beat()).result?.kind, "skipped");
    await lab.touchGoal("g", "the world moved");
    await lab.beatExpect(0, "moved");
    prompts = await lab.prompts();
    assertEquals(prompts.length, 4);
    assertEquals(section(prompts[3], "RUN_SHELL OUTPUT"), undefined);
  });
});

Deno.test("the mailbox is in the world: a new ask and its answer each wake exactly one decide; the prompt shows the ask", async () => {
  await withLab({}, async (lab) => {
    await lab.beatExpect(0, "moved"); // the first decide sees everything as new
    assertEquals((await lab.beat()).result?.kind, "skipped");
    const asked = await lab.run(["_", "ask", "--prompt", "Merge PR 12?", "--options", "yes,no", "--timeout", "0"], {
      env: { LOOOP_SESSION_ID: "w1" },
    });
    assertEquals(asked.code, 124, asked.stderr); // it stays pending
    await lab.beatExpect(0, "moved");
    let prompts = await lab.prompts();
    assertMatch(section(prompts[1], "WHAT CHANGED") ?? "", /^sys-asks: /m);
    assertMatch(
      section(prompts[1], "PENDING ASKS") ?? "",
      /- w1-1 \(worker w1; stranded: its worker has no running session; options: yes \| no\): Merge PR 12\?$/m,
    );
    assertEquals((await lab.beat()).result?.kind, "skipped", "the same ask wakes nothing twice");
    assertEquals((await lab.run(["_", "answer", "w1-1", "yes"])).code, 0);
    await lab.beatExpect(0, "moved");
    prompts = await lab.prompts();
    assertEquals(prompts.length, 3);
    assertMatch(section(prompts[2], "PENDING ASKS") ?? "", /\(none\)$/);
    assertEquals((await lab.beat()).result?.kind, "skipped");
  });
});
