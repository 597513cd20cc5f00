/** A sensor's header lines (core/sensor_policy.ts sensorHeader): net, env and interval. */
import { assertEquals } from "../assert.ts";
import { sensorHeader } from "../../src/core/sensor_policy.ts";

Deno.test("sensor header: looop:interval in seconds or as a duration; a bad one is no interval", () => {
  assertEquals(sensorHeader("#!/bin/sh\n# looop:interval=900\necho {}\n", "sh"), { interval: 900 });
  assertEquals(sensorHeader("#!/bin/sh\n# looop:interval=15m\n# looop:net=api.github.com\n", "sh"), {
    interval: 900,
    net: ["api.github.com"],
  });
  assertEquals(sensorHeader("// looop:interval=2h\n", "ts"), { interval: 7200 });
  assertEquals(sensorHeader("# looop:interval=soon\n# looop:interval=0\n", "sh"), {});
  assertEquals(sensorHeader(`${"#\n".repeat(20)}# looop:interval=60\n`, "sh"), {}, "only the first 20 lines count");
});
