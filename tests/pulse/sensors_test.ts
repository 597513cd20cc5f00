/**
 * Sensing through real beats (SPEC §5 step 2): every broken sensor becomes an error reading
 * `{"signal":{"error":true,"exit_code":N},"detail":{"message","stderr"}}` in snapshots/, a hung
 * one is killed at the timeout with its whole process group, and a good sensor in the same beat
 * keeps its normal reading.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { processesWith, uniqueMark, withLab } from "./helpers.ts";

type ErrorReading = {
  signal: { error: boolean; exit_code: number | null };
  detail: { message: string; stderr: string };
};

Deno.test("broken sensors become error readings; a hung one dies with its children; a good one reads normally", async () => {
  const hang = uniqueMark();
  const stubborn = uniqueMark();
  const left = uniqueMark();
  await withLab({ env: { LOOOP_SENSOR_TIMEOUT: "2" } }, async (lab) => {
    await lab.sensor("hang", `#!/bin/bash\necho "about to hang" >&2\nsleep ${hang} &\nsleep ${hang}\n`);
    // Ignores SIGTERM (and so do its children, which inherit the ignore): SIGKILL after the grace.
    await lab.sensor("stubborn", `#!/bin/bash\ntrap '' TERM\nsleep ${stubborn} &\nsleep ${stubborn}\n`);
    await lab.sensor("big", `#!/bin/bash\nhead -c 1048576 /dev/zero | tr '\\0' a\n`);
    await lab.sensor("garbage", `#!/bin/bash\necho 'this is {not json'\n`);
    await lab.sensor("array", `#!/bin/bash\necho '[1,2]'\n`);
    await lab.sensor("exit3", `#!/bin/bash\necho '{"a":1}'\necho "could not reach the API" >&2\nexit 3\n`);
    await lab.sensor("noexec", `#!/bin/bash\necho '{"a":1}'\n`, 0o644);
    await lab.sensor("leaves-child", `#!/bin/bash\nsleep ${left} &\necho '{"signal":{"left":1}}'\n`);
    await lab.sensor("good", `#!/bin/bash\necho '{"signal":{"ok":1},"detail":{"n":2}}'\n`);

    const beat = lab.beat();
    // The hung sensor and its child are really there while the beat runs (so "gone" below means killed).
    for (const m of [hang, stubborn]) {
      await eventually(async () => (await processesWith(`sleep ${m}`)).length === 2, `the sleeps of sleep ${m}`);
    }
    const b = await beat;
    assertEquals([b.code, b.result?.kind], [0, "moved"], b.stderr);
    assertMatch(b.stderr, /"event":"sense\.done","msg":"\d+ readings, 7 failed: /);

    const reading = async (name: string) => (await lab.snapshot(`sensor-${name}`)) as ErrorReading;
    const shape = (r: ErrorReading) => [Object.keys(r).sort(), Object.keys(r.detail).sort()];
    const errors = ["hang", "stubborn", "big", "garbage", "array", "exit3", "noexec"];
    for (const name of errors) {
      const r = await reading(name);
      assertEquals(shape(r), [["detail", "signal"], ["message", "stderr"]], name);
      assertEquals(r.signal.error, true, name);
      assertEquals(typeof r.detail.stderr, "string", name);
    }

    const h = await reading("hang");
    assertEquals(h.signal, { error: true, exit_code: 124 });
    assertMatch(h.detail.message, /timed out after 2s and was killed with its children/);
    assertMatch(h.detail.stderr, /about to hang/);
    await eventually(
      async () => (await processesWith(`sleep ${hang}`)).length === 0,
      "the hung sensor's sleeps gone",
      5_000,
    )
      .catch(async (e) => {
        throw new Error(`${e.message}: ${JSON.stringify(await processesWith(`sleep ${hang}`))}`);
      });

    assertEquals((await reading("stubborn")).signal, { error: true, exit_code: 124 });
    await eventually(
      async () => (await processesWith(`sleep ${stubborn}`)).length === 0,
      "the stubborn sleeps gone",
      5_000,
    );

    const big = await reading("big");
    assertEquals(big.signal, { error: true, exit_code: null });
    assertMatch(big.detail.message, /printed more than 8192 bytes \(LOOOP_SENSOR_MAX_BYTES\) and was killed/);

    assertEquals((await reading("garbage")).signal, { error: true, exit_code: 0 });
    assertMatch((await reading("garbage")).detail.message, /did not print one JSON object: "this is \{not json"/);
    assertEquals((await reading("array")).signal, { error: true, exit_code: 0 });
    assertMatch((await reading("array")).detail.message, /not an object/);

    const e3 = await reading("exit3");
    assertEquals(e3.signal, { error: true, exit_code: 3 });
    assertMatch(e3.detail.message, /exited 3/);
    assertMatch(e3.detail.stderr, /could not reach the API/);

    const ne = await reading("noexec");
    // Unsandboxed the spawn itself fails (127); in the sandbox the shell reports it (126).
    assert([126, 127].includes((ne.signal as { exit_code: number }).exit_code), JSON.stringify(ne.signal));
    assertEquals((ne.signal as { error: boolean }).error, true, "not executable: could not be run at all");
    assertMatch(
      ne.detail.message,
      /could not run the sensor: .*Permission denied.*\(is it executable\? chmod \+x\)|could not run \(exit 126: not executable or not found; chmod \+x it\)/,
    );

    assertEquals(await lab.snapshot("sensor-good"), { signal: { ok: 1 }, detail: { n: 2 } });
    assertEquals(await lab.snapshot("sensor-leaves-child"), { signal: { left: 1 } });
    await eventually(
      async () => (await processesWith(`sleep ${left}`)).length === 0,
      "the sensor's leftover gone",
      5_000,
    );

    // The readings the decider saw are these, and an error reading is part of the world.
    const prompt = (await lab.prompts())[0];
    assertMatch(prompt, /sensor-exit3: \{"signal":\{"error":true,"exit_code":3\}/);
    assertMatch(prompt, /sensor-good: \{"signal":\{"ok":1\},"detail":\{"n":2\}\}/);
  });
});

Deno.test("a sensor that starts failing wakes the decider; the system readings are in snapshots/", async () => {
  await withLab({}, async (lab) => {
    await lab.sensor("flaky", `#!/bin/bash\n[ -e "$LOOOP_DATA_DIR/../broken" ] && exit 3\necho '{"up":true}'\n`);
    await lab.beatExpect(0, "moved");
    await lab.beatExpect(0, "skipped");
    await Deno.writeTextFile(`${lab.base}/broken`, "");
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 2);
    assertEquals((await lab.snapshot("sensor-flaky")).signal, { error: true, exit_code: 3 });
    for (const sys of ["sys-sessions", "sys-claims", "sys-goals"]) {
      const r = await lab.snapshot(sys);
      assert("signal" in r && "detail" in r, `${sys}: ${JSON.stringify(r)}`);
    }
    assertEquals((await lab.snapshot("sys-goals")).signal, {});
    // A sensor removed: its snapshot goes too.
    await Deno.remove(`${lab.dir}/sensors/flaky.sh`);
    await lab.beatExpect(0, "moved");
    assert(!(await lab.exists("snapshots/sensor-flaky.json")));
  });
});
