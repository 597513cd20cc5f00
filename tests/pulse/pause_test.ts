/**
 * The emergency stop (#15): `looop pause` stops decides and new workers, survives a restart (it
 * is a file), leaves sensing and running workers alone, shows in `_ state`; `looop resume` lifts it.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { countMatching, withLab } from "./helpers.ts";

Deno.test("pause: no decide and no new worker, sensing goes on, _ state says so; resume decides again", async () => {
  await withLab({ config: { runners: { pi: { interactive: "sleep 30" } } } }, async (lab) => {
    await lab.sensor("n", `#!/bin/sh\necho '{"signal":{"n":'$(cat ${lab.dir}/scratch/n 2>/dev/null || echo 0)'}}'\n`);
    const paused = await lab.ok(["pause", "--reason", "incident 42"]);
    assertMatch(paused.stdout, /^paused: no decides and no new workers until `looop resume`$/m);
    assertEquals((await lab.ok(["pause"])).stdout.trim().startsWith("already paused since "), true);
    assertEquals(countMatching(await lab.journal(), /paused by hand: incident 42$/), 1, "journaled once");

    // Every beat is a new process: the pause is a file, so each one is paused.
    for (let i = 0; i < 2; i++) {
      await Deno.writeTextFile(`${lab.dir}/scratch/n`, String(i + 1)); // the world moves
      const b = await lab.beatExpect(0, "paused");
      assertEquals(b.result?.why, "paused");
      assertMatch(b.stderr, /paused by a human since \S+ \(incident 42\): no decides and no new workers/);
      assertEquals((await lab.snapshot("sensor-n")).signal, { n: i + 1 }, "sensing goes on");
    }
    assertEquals(await lab.decides(), 0);

    const start = await lab.run(["_", "worker", "start", "w1", "a brief"]);
    assertEquals(start.code, 3, start.stderr);
    assertMatch(start.stderr, /looop is paused \(since \S+: incident 42\): no new workers — run `looop resume` first/);
    assert(!(await lab.exists("sessions/w1")), "nothing of the worker was written");

    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals(state.pulse.paused.reason, "incident 42");
    assertMatch(
      (await lab.ok(["_", "state"])).stdout,
      /^paused {4}since \S+: incident 42 \(no decides, no new workers/m,
    );

    assertEquals((await lab.ok(["resume"])).stdout.trim(), "resumed");
    assertEquals((await lab.ok(["resume"])).stdout.trim(), "not paused");
    assertEquals(JSON.parse((await lab.ok(["_", "state", "--json"])).stdout).pulse.paused, null);
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 1);
    assertEquals(countMatching(await lab.journal(), /resumed by hand \(paused since \S+\)$/), 1);
  });
});
