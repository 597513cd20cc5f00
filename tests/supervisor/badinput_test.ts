/**
 * Refusals of the session verbs (SPEC §4, §8): each exits with its code and one line, and leaves
 * the data dir exactly as it was: no session dir, no journal line, nothing half created.
 */
import { assert, assertEquals } from "../assert.ts";
import { type Lab, snapshot, withLab } from "./helpers.ts";

/** `looop args` fails with `code` and the one stderr line `line`, and changes nothing. */
async function refused(lab: Lab, args: string[], code: number, line: RegExp): Promise<void> {
  const before = await snapshot(lab.dir);
  const r = await lab.run(args);
  const what = `looop ${args.join(" ")}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
  assertEquals(r.code, code, what);
  assertEquals(r.stdout, "", what);
  assert(/^looop: [^\n]+ — [^\n]+\n$/.test(r.stderr), `one 'looop: <what> — <fix>' line: ${what}`);
  assert(line.test(r.stderr), `${what} does not match ${line}`);
  assertEquals(await snapshot(lab.dir), before, `${what} changed the data dir`);
}

Deno.test("unknown ids, the pulse's id and malformed ids are refused before any file is touched", async () => {
  await withLab(async (lab) => {
    await refused(lab, ["_", "kill", "nope"], 1, /no session 'nope'/);
    await refused(lab, ["_", "tell", "nope", "hi"], 1, /worker 'nope' is not running/);
    await refused(lab, ["_", "worker", "start", "pulse", "brief"], 3, /'pulse' is the pulse's own session/);
    await refused(lab, ["_", "kill", "pulse"], 3, /_ kill refuses the pulse/);
    await refused(lab, ["_", "tell", "pulse", "hi"], 3, /the pulse has no terminal/);
    for (const bad of ["../x", ".hidden", "a/b", "x".repeat(65)]) {
      await refused(lab, ["_", "worker", "start", bad, "brief"], 2, /refused \(id\)/);
      await refused(lab, ["_", "kill", bad], 2, /refused \(id\): session id /);
      await refused(lab, ["_", "tell", bad, "hi"], 2, /refused \(id\): session id /);
    }
    assertEquals(await lab.sessions(), []);
  });
});

Deno.test("a live id, max_workers and a missing runner binary refuse the start and leave no trace", async () => {
  await withLab(async (lab) => {
    const m = await lab.start("w1", "exec sleep 1000");
    await refused(lab, ["_", "worker", "start", "w1", "again"], 3, /worker 'w1' is already running \(pid \d+\)/);
    assertEquals((await lab.meta("w1")).pid, m.pid, "the live session is untouched");

    await lab.configure({ max_workers: 1 });
    await lab.script("w2", "exec sleep 1000");
    await refused(lab, ["_", "worker", "start", "w2", "brief"], 3, /max_workers \(1\) reached \(1 live: w1\)/);
    // LOOOP_MAX_WORKERS overrides the config, either way.
    lab.env.LOOOP_MAX_WORKERS = "1";
    await lab.configure({ max_workers: 5 });
    await refused(lab, ["_", "worker", "start", "w2", "brief"], 3, /max_workers \(1\) reached \(1 live: w1\)/);
    delete lab.env.LOOOP_MAX_WORKERS;

    await lab.configure({}, "no-such-runner-xyz {{prompt_file}}");
    await refused(
      lab,
      ["_", "worker", "start", "w3", "brief"],
      127,
      /runner 'fake' not found on PATH \(no-such-runner-xyz\) — install it or set "default" in the config\n$/,
    );

    assertEquals((await lab.sessions()).map((s) => [s.id, s.state]), [["w1", "running"]]);
    const k = await lab.run(["_", "kill", "w1"]);
    assertEquals(k.code, 0, k.stderr);
  });
});
