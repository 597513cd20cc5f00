/**
 * The OS sandbox's cost on sensing (not a test): 20 shell sensors in one beat through runSensors,
 * with the sandbox on (all 20 share one sandbox: sensor/mux.ts) and off (each started directly),
 * median of 15 rounds each, interleaved. Goal: at most 2x.
 */
import { ConfigSchema } from "../src/core/config.ts";
import { runSensors } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { sandboxPolicy } from "../src/store/sandbox_policy.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { resetSandbox, type Sandbox, sandbox } from "../src/sys/sandbox.ts";
import { fmt, median } from "./measure.ts";

const ROUNDS = 15;

/** The ratio line, or why the sandbox could not be measured here. */
export async function sandboxBench(): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "looop-sandbox-bench-" });
  try {
    const dd = await ensureDataDir(layout(`${base}/data`));
    for (const e of Deno.readDirSync(dd.sensorsDir)) Deno.removeSync(`${dd.sensorsDir}/${e.name}`);
    for (let i = 0; i < 20; i++) {
      const path = `${dd.sensorsDir}/s${i}.sh`;
      await Deno.writeTextFile(path, `#!/bin/bash\necho '{"signal":{"n":${i}}}'\n`);
      await Deno.chmod(path, 0o755);
    }
    const sb = await sandbox(sandboxPolicy(dd, ConfigSchema.parse({})));
    if (sb.kind !== "on") return `sandbox bench: no OS sandbox here (${sb.reason})`;
    const off: Sandbox = { kind: "off", reason: "the baseline", mode: "off" };
    const limits = { timeoutS: 60, maxBytes: 8192, parallel: 8 };
    const time = async (s: Sandbox) => {
      const t0 = performance.now();
      const r = await runSensors(dd, limits, { sandbox: s, allowNet: [], passEnv: [] });
      const ms = performance.now() - t0;
      const bad = Object.entries(r).filter(([, v]) => (v.signal as { error?: boolean }).error);
      if (bad.length || Object.keys(r).length !== 20) throw new Error(`sensor errors: ${JSON.stringify(bad[0] ?? r)}`);
      return ms;
    };
    await time(sb); // warm up
    await time(off);
    const on: number[] = [];
    const offs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      on.push(await time(sb));
      offs.push(await time(off));
    }
    const ratio = median(on) / median(offs);
    await resetSandbox();
    return `sandbox: 20 shell sensors in one beat, sandbox on ${fmt(median(on))} vs off ${fmt(median(offs))} ` +
      `(median of ${ROUNDS}): ${ratio.toFixed(2)}x (goal at most 2x; one sandbox per beat and policy)`;
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) console.log(await sandboxBench());
