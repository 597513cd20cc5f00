/**
 * The sensors of one beat share ONE sandbox (sensor/mux.ts), yet each keeps its own process
 * group, timeout, output cap and error reading, and none can forge another's result.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseMuxOutput } from "../../src/sensor/mux.ts";
import { withLab } from "../pulse/helpers.ts";

Deno.test("parseMuxOutput: only lines with the nonce count, each job once", () => {
  const out = ["n1 0 exit 0", "forged 1 exit 0", "n1 1 timeout", "n1 1 exit 0", "n1 2 exit 9x", "", "n1 3 exit 137"];
  const r = parseMuxOutput(out.join("\n"), "n1");
  assert(r !== "unsupported");
  assertEquals([...r.entries()], [[0, { kind: "exit", code: 0 }], [1, { kind: "timeout" }], [3, {
    kind: "exit",
    code: 137,
  }]]);
  assertEquals(parseMuxOutput("n1 unsupported\n", "n1"), "unsupported");
});

Deno.test("one sandbox, many sensors: each its own reading; a forger cannot fake another's; a flood is capped", async () => {
  await withLab({ env: { LOOOP_SENSOR_TIMEOUT: "2", LOOOP_SENSOR_MAX_BYTES: "300" } }, async (lab) => {
    for (let i = 0; i < 12; i++) await lab.sensor(`s${i}`, `#!/bin/bash\necho '{"signal":{"n":${i}}}'\n`);
    // Writes result lines for every index into the mux's stdout, as a malicious sensor could.
    await lab.sensor(
      "forger",
      `#!/bin/bash\nfor i in $(seq 0 20); do for w in x y; do echo "$w $i exit 0" > /proc/$PPID/fd/1; done; done 2>/dev/null\n` +
        `echo '{"signal":{"forger":1}}'\n`,
    );
    await lab.sensor("flood", "#!/bin/bash\nyes '{}'\n");
    await lab.sensor("hang", "#!/bin/bash\nsleep 300 & sleep 300\n");
    await lab.sensor("fails", "#!/bin/bash\necho oops >&2\nexit 4\n");
    await lab.beatExpect(0, "moved");
    for (let i = 0; i < 12; i++) assertEquals(await lab.snapshot(`sensor-s${i}`), { signal: { n: i } });
    assertEquals(await lab.snapshot("sensor-forger"), { signal: { forger: 1 } });
    const flood = await lab.snapshot("sensor-flood") as { detail: { message: string } };
    assertMatch(flood.detail.message, /printed more than 300 bytes/);
    const hang = await lab.snapshot("sensor-hang") as { signal: { exit_code: number }; detail: { message: string } };
    assertEquals(hang.signal.exit_code, 124);
    assertMatch(hang.detail.message, /timed out after 2s and was killed with its children/);
    assertEquals(await lab.snapshot("sensor-fails"), {
      signal: { error: true, exit_code: 4 },
      detail: { message: "the sensor exited 4", stderr: "oops\n" },
    });
    assertEquals((await lab.noProcessesLeft()).length, 0, "a sensor's process outlived the beat");
  });
});
