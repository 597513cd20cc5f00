/**
 * A pulse killed while bubblewrap was still setting up leaves a sandbox that never ends (its socat
 * bridges keep the namespace alive): the next holder of the pulse lock kills the bwrap processes
 * that bind its data dir, and only those.
 */
import { assert, assertEquals } from "../assert.ts";
import { killProcess, onPath } from "../../src/sys/process.ts";
import { reapOrphanSandboxes } from "../../src/sys/sandbox.ts";
import { eventually } from "../helpers.ts";

/** A bwrap that binds `dir` and sleeps, in its own session, without --die-with-parent: an orphan to be. */
function sandboxedSleep(dir: string): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: ["bwrap", "--ro-bind", "/", "/", "--bind", dir, dir, "--dev", "/dev", "--unshare-pid", "sleep", "60"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test({
  name: "the pulse lock's new holder kills the orphaned sandboxes of its data dir, not another dir's",
  ignore: Deno.build.os !== "linux" || !onPath("bwrap") || !onPath("pgrep"),
  fn: async () => {
    const base = await Deno.makeTempDir({ prefix: "looop-reap-" });
    const [mine, other] = [`${base}/data`, `${base}/other`];
    await Deno.mkdir(mine);
    await Deno.mkdir(other);
    const a = sandboxedSleep(mine), b = sandboxedSleep(other);
    try {
      // bwrap forks the namespace's init: two processes per sandbox.
      const bwraps = async (dir: string) => {
        const out = await new Deno.Command("pgrep", { args: ["-f", "--", `--bind ${dir} ${dir}`], stdout: "piped" })
          .output();
        return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).map(Number);
      };
      await eventually(async () => (await bwraps(mine)).length === 2 && (await bwraps(other)).length === 2, "both up");
      const killed = await reapOrphanSandboxes(mine);
      assertEquals(killed.length, 2, `killed ${killed}`);
      await eventually(async () => (await bwraps(mine)).length === 0, "the data dir's sandbox is gone");
      assertEquals((await a.status).signal, "SIGKILL");
      assertEquals((await bwraps(other)).length, 2, "another data dir's sandbox is left alone");
      assert(killProcess(b.pid, "SIGCONT"), "its bwrap is still alive");
      assertEquals(await reapOrphanSandboxes(mine), [], "nothing left to kill");
    } finally {
      await reapOrphanSandboxes(other); // both of its processes (b alone would leave the init)
      await b.status;
      await a.status;
      await Deno.remove(base, { recursive: true });
    }
  },
});
