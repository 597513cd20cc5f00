/**
 * What looop does with a file that lies to it (SPEC §10), as root and as an unprivileged user.
 * The sandbox keeps sandboxed code from writing these files at all (tests/confine/boundary_test.ts);
 * here they are planted by hand, as a misconfigured `sandbox.mode: "off"` or another user could,
 * to show the second line of defence: a pid read from a file is signalled only after the OS
 * confirms it is the process recorded (never pid 1), and a link where looop's own folder should be
 * is refused and journaled, with nothing outside the data dir touched.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { holdSessionLock, killHolder, treeSnapshot } from "../helpers.ts";
import { withLab } from "../pulse/helpers.ts";
import { exists } from "./helpers.ts";

/** A process that leads its own group and session, as a worker does: the stranger a forged pid names. */
function stranger(): Deno.ChildProcess {
  return new Deno.Command("setsid", { args: ["sleep", "300"], stdin: "null", stdout: "null", stderr: "null" }).spawn();
}

const alive = (pid: number) => {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
};

/** The start time `ps` reports for `pid` (what looop records), for a forger who knows it. */
async function psStart(pid: number): Promise<string> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "lstart=", "-p", String(pid)],
    env: { LC_ALL: "C", TZ: "UTC" },
  })
    .output();
  return new TextDecoder().decode(out.stdout).trim();
}

async function forgeMeta(dir: string, id: string, meta: Record<string, unknown>): Promise<void> {
  await Deno.mkdir(`${dir}/sessions/${id}`, { recursive: true });
  const full = {
    id,
    runner: "pi",
    command: "x",
    host_pid: 999999,
    started: new Date().toISOString(),
    state: "running",
    cols: 80,
    rows: 24,
    ...meta,
  };
  await Deno.writeTextFile(`${dir}/sessions/${id}/meta.json`, JSON.stringify(full));
}

Deno.test("_ kill never signals a stranger a forged meta.json names, nor pid 1", async () => {
  const s = stranger();
  try {
    await withLab({}, async (lab) => {
      // A dead session (no host holds its lock) whose meta names the stranger, with a wrong start.
      await forgeMeta(lab.dir, "w", { pid: s.pid, pid_start: "Mon Jan  1 00:00:00 2001" });
      let r = await lab.run(["_", "kill", "w"]);
      assertEquals(r.code, 1, r.stderr);
      assertMatch(r.stderr, /did not signal w: pid \d+ started at .*, not Mon Jan {2}1 00:00:00 2001/);
      assert(alive(s.pid), "the stranger was signalled");
      // No start time recorded at all (an older looop's meta): nothing is signalled either.
      await forgeMeta(lab.dir, "old", { pid: s.pid });
      r = await lab.run(["_", "kill", "old"]);
      assertEquals(r.code, 1, r.stderr);
      assertMatch(r.stderr, /no start time was recorded/);
      // pid 1, even with its true start time, is never signalled.
      await forgeMeta(lab.dir, "init", { pid: 1, pid_start: await psStart(1) });
      r = await lab.run(["_", "kill", "init"]);
      assertEquals(r.code, 1, r.stderr);
      assertMatch(r.stderr, /pid 1 is never signalled/);
      assert(alive(s.pid));
    });
  } finally {
    s.kill("SIGKILL");
    await s.status;
  }
});

Deno.test("down and up never signal a stranger a forged pulse meta.json names", async () => {
  const s = stranger();
  try {
    await withLab({}, async (lab) => {
      // A pulse that is alive (its lock is held) but whose meta names the stranger.
      const holder = await holdSessionLock(lab.dir, "pulse");
      try {
        await forgeMeta(lab.dir, "pulse", { pid: s.pid, pid_start: "Mon Jan  1 00:00:00 2001" });
        const down = await lab.run(["down"]);
        assertEquals(down.code, 1, down.stderr);
        assertMatch(down.stderr, /did not signal the pulse: pid \d+ started at/);
        assert(alive(s.pid), "down signalled the stranger");
      } finally {
        await killHolder(holder);
      }
      // The pulse is gone; its forged meta still names the stranger: `up` sweeps nothing of his.
      const up = await lab.run(["up"]);
      assertEquals(up.code, 0, up.stderr);
      assert(alive(s.pid), "up signalled the stranger's group");
      assertEquals((await lab.run(["down"])).code, 0);
      assert(alive(s.pid));
    });
  } finally {
    s.kill("SIGKILL");
    await s.status;
  }
});

Deno.test("sandbox off: links planted over looop's folders are refused and journaled; nothing outside changes", async () => {
  await withLab({ config: { sandbox: { mode: "off" } } }, async (lab) => {
    const outside = `${lab.base}/sentinel`;
    await Deno.mkdir(`${outside}/20200101-000000-000-0000`, { recursive: true });
    await Deno.writeTextFile(`${outside}/keep.json`, "{}\n");
    const before = await treeSnapshot(outside);
    // With no sandbox, a run_shell can do anything it likes: here it swaps runs/ and snapshots/
    // for links out of the data dir, which the next beats would otherwise write and prune through.
    await lab.replies({
      action: "run_shell",
      cmd: `mv runs runs.old && mv snapshots snapshots.old && ln -s ${outside} runs && ln -s ${outside} snapshots`,
      reason: "plant",
    });
    // The beat of the move itself already refuses to write its run's output through the link.
    const first = await lab.beat();
    assertEquals(first.code, 1, first.stderr);
    assertMatch(first.stderr, /runs is a symbolic link/);
    await lab.touchGoal("after", "x");
    const b = await lab.beat();
    assertEquals(b.code, 1, b.stderr);
    assertMatch(b.stderr, /refusing to use .*: .*\/(snapshots|runs) is a symbolic link/);
    await lab.beat(); // again: journaled once per failure
    const journal = await lab.journal();
    const refusals = journal.filter((l) => /beat failed: refusing to use .* is a symbolic link/.test(l));
    assert(refusals.length >= 1 && refusals.length <= 2, journal.join("\n"));
    assertEquals(
      new Set(refusals.map((l) => l.replace(/^- \S+ \S+ /, ""))).size,
      refusals.length,
      "journaled once each",
    );
    assertEquals(await treeSnapshot(outside), before, "the beat wrote, pruned or read through the links");
    // The human removes the links: the loop goes on.
    await Deno.remove(`${lab.dir}/runs`);
    await Deno.remove(`${lab.dir}/snapshots`);
    await lab.touchGoal("after", "y");
    await lab.beatExpect(0, "moved");
    assert(await exists(`${lab.dir}/snapshots/sys-goals.json`));
  });
});

Deno.test("a data dir used by another user (root) is refused at once, saying how to give it back", {
  ignore: Deno.uid() !== 0,
}, async () => {
  await withLab({}, async (lab) => {
    // As root: make one of the data dir's files somebody else's, as a run by another user would.
    await Deno.chown(`${lab.dir}/journal.md`, 4242, 4242).catch(async () => {
      await Deno.writeTextFile(`${lab.dir}/journal.md`, "");
      await Deno.chown(`${lab.dir}/journal.md`, 4242, 4242);
    });
    const r = await lab.run(["_", "asks"]);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, /journal\.md belongs to uid 4242, not to you \(uid 0\).*sudo chown -R/);
  });
});

Deno.test("an empty read-only placeholder left by the sandbox library over journal.md is repaired", async () => {
  await withLab({}, async (lab) => {
    await Deno.remove(`${lab.dir}/journal.md`).catch(() => {});
    await Deno.writeTextFile(`${lab.dir}/journal.md`, "");
    await Deno.chmod(`${lab.dir}/journal.md`, 0o444);
    await lab.replies({ action: "noop", reason: "x", journal: "after the repair" });
    await lab.beatExpect(0, "moved");
    assert((await lab.journal()).some((l) => l.endsWith("after the repair")));
  });
});
