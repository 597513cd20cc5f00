/**
 * The OS sandbox's cost on sensing (not a test): 20 shell sensors in one beat through runSensors,
 * with the sandbox on (all 20 share one sandbox: sensor/mux.ts) and off (each started directly),
 * median of 15 rounds each, interleaved. Goal: at most 2x. Beside it, the sandbox's fixed cost per
 * beat: one sandboxed `true` against a plain one, which no number of sensors changes.
 */
import { ConfigSchema } from "../src/core/config.ts";
import { runSensors } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { sandboxPolicy } from "../src/store/sandbox_policy.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { resetSandbox, runConfined, type Sandbox, sandbox } from "../src/sys/sandbox.ts";
import { runProcess } from "../src/sys/spawn.ts";
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
    const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
    const once = async (confined: boolean) => {
      const t0 = performance.now();
      const run = { cwd: dd.root, timeoutMs: 30_000 };
      if (confined) await runConfined("true", { net: [], env }, run);
      else await runProcess(["bash", "-c", "true"], { ...run, env, clearEnv: true });
      return performance.now() - t0;
    };
    const on: number[] = [];
    const offs: number[] = [];
    const fixedOn: number[] = [];
    const fixedOff: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      on.push(await time(sb));
      offs.push(await time(off));
      fixedOn.push(await once(true));
      fixedOff.push(await once(false));
    }
    const ratio = median(on) / median(offs);
    await resetSandbox();
    return `sandbox: 20 shell sensors in one beat, sandbox on ${fmt(median(on))} vs off ${fmt(median(offs))} ` +
      `(median of ${ROUNDS}): ${ratio.toFixed(2)}x (goal at most 2x; one sandbox per beat and policy); ` +
      `the sandbox's fixed cost per beat: a sandboxed \`true\` ${fmt(median(fixedOn))} vs ${fmt(median(fixedOff))}`;
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) console.log(await sandboxBench());
