/**
 * runProcess (sys/spawn.ts), the one way looop runs sensors, run_shell and the decide: each way of
 * starting a session this machine has (posix_spawn, util-linux setsid, a forked `detached`) gives
 * the same results: a session and group of its own, a clean signal state, stdin, cwd and env
 * passed, a timeout that kills the whole group, an output cap, the exit as data, a spawn error as
 * "<program>: <OS reason>", no leaked descriptors, and no wait on a process that left the group.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually, withTempDir } from "../helpers.ts";
import { processesWith, uniqueMark } from "../pulse/helpers.ts";
import { availableSessionWays, runProcess } from "../../src/sys/spawn.ts";
import { sessionSpawner } from "../../src/sys/posix_spawn.ts";
import { killProcess } from "../../src/sys/process.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const WAYS = availableSessionWays();

Deno.test({
  name: "on Linux with glibc the cheapest way is posix_spawn",
  ignore: Deno.build.os !== "linux",
  fn: () => assertEquals(WAYS[0], "posix_spawn"),
});

const sh = (script: string) => ["/bin/sh", "-c", script];

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir("looop-spawn-test-", fn);

for (const way of WAYS) {
  Deno.test(`${way}: its own session and group, a clean signal state, stdin, cwd and env`, async () => {
    await withDir(async (dir) => {
      const r = await runProcess(
        sh(
          `echo "$$ $(ps -o pgid= -p $$) $(ps -o sid= -p $$)"; pwd; echo "$LOOOP_T"; cat; echo oops >&2; ` +
            // Read by the shell itself: a child (grep) could catch it blocking signals around a fork.
            `while read -r k v; do case $k in SigBlk:|SigIgn:) echo "$k $v";; esac; done < /proc/$$/status; exit 3`,
        ),
        { cwd: dir, env: { LOOOP_T: "passed" }, stdin: "from stdin\n", timeoutMs: 30_000, way },
      );
      assertEquals(r.outcome, { kind: "exited", code: 3, signal: null });
      const [ids, cwd, env, stdin, blocked, ignored] = text(r.stdout).trim().split("\n");
      const [pid, pgid, sid] = ids.trim().split(/\s+/).map(Number);
      assertEquals([pgid, sid], [pid, pid], "session and group leader");
      assert(pid !== Deno.pid);
      assertEquals([cwd, env, stdin], [await Deno.realPath(dir), "passed", "from stdin"]);
      assertMatch(blocked, /^SigBlk:\s+0+$/, "no signal blocked");
      // Of the standard signals (1-31), none ignored: Deno ignores SIGPIPE. (32 and 33 are glibc's own.)
      assertEquals(BigInt(`0x${ignored.split(/\s+/)[1]}`) & 0x7fffffffn, 0n, ignored);
      assertEquals(r.stderrTail, "oops\n");
    });
  });

  Deno.test(`${way}: a timeout kills the whole group; the cap kills a flood; a signal is reported`, async () => {
    const mark = uniqueMark();
    const t = await runProcess(sh(`sleep ${mark} & sleep ${mark}`), { cwd: "/", timeoutMs: 300, way });
    assertEquals(t.outcome, { kind: "timeout" });
    await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "both sleeps gone", 10_000);

    const flood = await runProcess(["yes"], { cwd: "/", timeoutMs: 30_000, maxStdoutBytes: 100, way });
    assertEquals([flood.outcome, flood.stdout.length], [{ kind: "overflow" }, 100]);

    const killed = await runProcess(sh("kill -KILL $$"), { cwd: "/", timeoutMs: 30_000, way });
    assertEquals(killed.outcome, { kind: "exited", code: null, signal: "SIGKILL" });
  });

  Deno.test(`${way}: a program that cannot start is a spawn error naming it and the OS reason`, async () => {
    await withDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/plain`, "#!/bin/sh\necho hi\n", { mode: 0o644 });
      const missing = await runProcess([`${dir}/missing`], { cwd: dir, timeoutMs: 30_000, way });
      const plain = await runProcess([`${dir}/plain`], { cwd: dir, timeoutMs: 30_000, way });
      if (way === "detached") {
        // Deno's own wording around the same OS reason.
        assertMatch(JSON.stringify(missing.outcome), /spawn-error.*No such file or directory/);
        assertMatch(JSON.stringify(plain.outcome), /spawn-error.*Permission denied/);
        return;
      }
      assertEquals(missing.outcome, { kind: "spawn-error", message: `${dir}/missing: No such file or directory` });
      assertEquals(plain.outcome, { kind: "spawn-error", message: `${dir}/plain: Permission denied` });
    });
  });

  Deno.test(`${way}: output held open by a process that left the group does not hold up the run`, async () => {
    await withDir(async (dir) => {
      const mark = uniqueMark();
      const run = runProcess(
        // It waits until the escape is done, else the group kill at its exit would catch the escapee.
        sh(
          `setsid sh -c 'echo $$ > ${dir}/escaped; exec sleep ${mark}' & ` +
            `until [ -s ${dir}/escaped ]; do sleep 0.01; done; echo '{"ok":1}'`,
        ),
        { cwd: dir, timeoutMs: 30_000, way },
      );
      let bound: ReturnType<typeof setTimeout> | undefined;
      const held = new Promise<"held">((resolve) => bound = setTimeout(() => resolve("held"), 60_000));
      const r = await Promise.race([run, held]);
      clearTimeout(bound);
      const escaped = Number(await Deno.readTextFile(`${dir}/escaped`).catch(() => "0"));
      if (escaped) killProcess(escaped, "SIGKILL");
      assert(r !== "held", "runProcess waited for the escaped process's output");
      assertEquals([r.outcome, text(r.stdout)], [{ kind: "exited", code: 0, signal: null }, '{"ok":1}\n']);
    });
  });
}

Deno.test({
  name: "posix_spawn leaks no descriptor, on success or on a spawn error",
  ignore: !sessionSpawner(),
}, async () => {
  const count = async () =>
    (await new Deno.Command("ls", { args: [`/proc/${Deno.pid}/fd`], stdout: "piped" }).output()).stdout
      .reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
  // Warm up whatever Deno opens once (the first run, the thread pool).
  await runProcess(["true"], { cwd: "/", timeoutMs: 30_000 });
  const before = await count();
  for (let i = 0; i < 20; i++) {
    await runProcess(["cat"], { cwd: "/", timeoutMs: 30_000, stdin: "x" });
    await runProcess(["/nonexistent/program"], { cwd: "/", timeoutMs: 30_000 });
    await runProcess(["true"], { cwd: "/nonexistent/dir", timeoutMs: 30_000 });
  }
  // A descriptor is closed by Deno a moment after the command ends: wait for the count to settle.
  let now = await count();
  await eventually(async () => (now = await count()) === before, `${before} open descriptors (${now} now)`, 10_000)
    .catch(() => undefined);
  assertEquals(now, before);
});
