/**
 * The OS sandbox's cost on sensing (not a test): 20 shell sensors through runSensors with the
 * sandbox on (sandbox(...) with sandboxPolicy's shape) and off, median of 10 rounds each,
 * interleaved. Goal: under 2x, or an explanation.
 */
import type { Config } from "../src/core/config.ts";
import { sandboxPolicy } from "../src/pulse/beat.ts";
import { runSensors } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { resetSandbox, sandbox } from "../src/sys/sandbox.ts";
import { fmt, median } from "./measure.ts";

/** The ratio line, or why the sandbox could not be measured here. */
export async function sandboxBench(): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "looop-sandbox-bench-" });
  try {
    const dd = layout(`${base}/data`);
    for (const d of [dd.root, dd.sensorsDir, dd.tmpDir]) await Deno.mkdir(d, { recursive: true });
    for (let i = 0; i < 20; i++) {
      const path = `${dd.sensorsDir}/s${i}.sh`;
      await Deno.writeTextFile(path, `#!/bin/bash\necho '{"signal":{"n":${i}}}'\n`);
      await Deno.chmod(path, 0o755);
    }
    const config = { sandbox: { mode: "auto", allow_net: [], allow_write: [] } } as unknown as Config;
    const sb = await sandbox(sandboxPolicy(dd, config));
    if (sb.kind !== "on") return `sandbox bench: no OS sandbox here (${sb.reason})`;
    const limits = { timeoutS: 60, maxBytes: 8192, parallel: 8 };
    const time = async (on: boolean) => {
      const t0 = performance.now();
      const r = await runSensors(dd, limits, on ? sb : undefined);
      const ms = performance.now() - t0;
      const bad = Object.entries(r).filter(([, v]) => (v.signal as { error?: boolean }).error);
      if (bad.length) throw new Error(`sensor errors: ${JSON.stringify(bad[0])}`);
      return ms;
    };
    await time(true); // warm up
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < 10; i++) {
      on.push(await time(true));
      off.push(await time(false));
    }
    const ratio = median(on) / median(off);
    await resetSandbox();
    return `sandbox: 20 shell sensors, sandbox on ${fmt(median(on))} vs off ${fmt(median(off))} (median of 10): ` +
      `${ratio.toFixed(2)}x (goal under 2x or explain: bubblewrap builds namespaces for each command)`;
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) console.log(await sandboxBench());
