/**
 * The pulse's costs, each against a baseline measured in the same run:
 * - an unchanged beat over 20 sensors vs a bare parallel bash run of the same 20 scripts (goal <= 1.2x),
 *   and vs the stricter baseline of Deno starting the 20 scripts itself;
 * - a goal write → decide latency with interval 60 (median of 10; goal < 1 s);
 * - 100 beats of a world whose sensors change only `detail`: decides made (goal 0);
 * - pulse RSS after 1,000 beats vs after 10 (goal within 10%).
 */
import { ConfigSchema } from "../src/core/config.ts";
import { beatContext, runBeat } from "../src/pulse/beat.ts";
import type { Log } from "../src/core/log.ts";
import { DEFAULT_SENSOR_LIMITS } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { fmt, LOOOP, median, ROOT } from "./measure.ts";

const quiet: Log = () => {};
const FAKE = `${ROOT}/tests/fixtures/fake-pi`;

async function dataDirWithSensors(n: number, detailOnly: boolean) {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  const dd = await ensureDataDir(layout(`${base}/data`));
  await Deno.remove(dd.sensor("today"));
  for (let i = 0; i < n; i++) {
    const body = detailOnly
      ? `#!/bin/sh\necho '{"signal":{"n":${i}},"detail":{"t":"'$(date +%s%N)'"}}'\n`
      : `#!/bin/sh\necho '{"signal":{"n":${i}}}'\n`;
    await Deno.writeTextFile(dd.sensor(`s${i}`), body, { mode: 0o755 });
  }
  const prompts = `${base}/prompts`;
  // The pulse itself, without the OS sandbox (bench/sandbox_bench.ts measures that layer).
  const config = ConfigSchema.parse({ runners: { pi: { tick: FAKE } }, sandbox: { mode: "off" } });
  return { base, dd, config, prompts };
}

const ctxFor = (dd: ReturnType<typeof layout>, config: ReturnType<typeof ConfigSchema.parse>) =>
  beatContext(dd, config, { log: quiet, sensors: DEFAULT_SENSOR_LIMITS, decideTimeoutS: 60 });

/** The 20 scripts started at once by Deno itself: no process groups, no output handling. */
async function bareParallel(dir: string, n: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: n },
      (_, i) => new Deno.Command(`${dir}/s${i}.sh`, { stdout: "piped", stderr: "piped" }).output(),
    ),
  );
  return performance.now() - t0;
}

/** A bare parallel bash run: one bash starts the 20 scripts in the background and waits for them. */
async function bashParallel(dir: string, n: number): Promise<number> {
  const scripts = Array.from({ length: n }, (_, i) => `${dir}/s${i}.sh`);
  const t0 = performance.now();
  await new Deno.Command("bash", {
    args: ["-c", 'for s in "$@"; do "$s" & done; wait', "bash", ...scripts],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return performance.now() - t0;
}

export async function unchangedBeatBench(rounds = 15) {
  const { base, dd, config } = await dataDirWithSensors(20, false);
  try {
    const ctx = ctxFor(dd, config);
    await runBeat(ctx); // first beat decides (fake runner), later ones skip
    const beats: number[] = [], bare: number[] = [], bash: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const r = await runBeat(ctx);
      beats.push(performance.now() - t0);
      if (r.kind !== "skipped") throw new Error(`expected a skipped beat, got ${r.kind}`);
      bare.push(await bareParallel(dd.sensorsDir, 20));
      bash.push(await bashParallel(dd.sensorsDir, 20));
    }
    return { beat: median(beats), bare: median(bare), bash: median(bash) };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

export async function detailOnlyBench(beats = 100) {
  const { base, dd, config, prompts } = await dataDirWithSensors(5, true);
  Deno.env.set("FAKE_PROMPTS", prompts);
  try {
    const ctx = ctxFor(dd, config);
    await runBeat(ctx); // the first decide sees a new world
    const before = (await Deno.readTextFile(prompts).catch(() => "")).split("=====END=====").length;
    for (let i = 0; i < beats; i++) await runBeat(ctx);
    const after = (await Deno.readTextFile(prompts).catch(() => "")).split("=====END=====").length;
    return { decides: after - before };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

export async function rssBench(total = 1000) {
  const { base, dd, config } = await dataDirWithSensors(2, false);
  try {
    const ctx = ctxFor(dd, config);
    let at10 = 0;
    for (let i = 1; i <= total; i++) {
      await runBeat(ctx);
      if (i === 10) at10 = Deno.memoryUsage().rss;
    }
    return { at10: at10 / 1e6, atEnd: Deno.memoryUsage().rss / 1e6 };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** A real detached pulse with interval 60: time from a `_ goal write` to the decide starting. */
export async function wakeBench(rounds = 10) {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  const dir = `${base}/data`;
  const prompts = `${base}/prompts`;
  const env = { LOOOP_DATA_DIR: dir, NO_COLOR: "1", LOOOP_INTERVAL: "60", FAKE_PROMPTS: prompts };
  const run = (args: string[]) =>
    new Deno.Command(LOOOP[0], { args: [...LOOOP.slice(1), ...args], env, stdout: "null", stderr: "null" }).output();
  const count = async () => (await Deno.readTextFile(prompts).catch(() => "")).split("=====END=====").length;
  const latencies: number[] = [];
  try {
    await run(["_", "state"]);
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ runners: { pi: { tick: FAKE } } }));
    await run(["up"]);
    // Let the first beat (a decide on the new world) finish.
    let n = await count();
    for (let waited = 0; waited < 20_000 && n < 2; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      n = await count();
    }
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < rounds; i++) {
      n = await count();
      const t0 = performance.now();
      await run(["_", "goal", "write", `wake-${i}`, `goal ${i}`]);
      while ((await count()) === n && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 300));
    }
    return { median: median(latencies) };
  } finally {
    await run(["down"]);
    await Deno.remove(base, { recursive: true });
  }
}

/** Every pulse benchmark, one line each. */
export async function pulseBenches(): Promise<string[]> {
  const u = await unchangedBeatBench();
  const w = await wakeBench();
  const d = await detailOnlyBench();
  const m = await rssBench();
  return [
    `unchanged beat over 20 sensors: ${fmt(u.beat)} vs a bare parallel bash run of the 20 scripts ${fmt(u.bash)} = ${
      (u.beat / u.bash).toFixed(2)
    }x (goal <= 1.2x); vs Deno starting the 20 itself, with no session, no timeout and no cap ${fmt(u.bare)} = ${
      (u.beat / u.bare).toFixed(2)
    }x`,
    `goal write -> decide starts (interval 60): ${fmt(w.median)} median of 10 (goal < 1000 ms)`,
    `100 beats with detail-only changes: ${d.decides} decides (goal 0)`,
    `pulse RSS: ${m.at10.toFixed(1)} MB after 10 beats, ${m.atEnd.toFixed(1)} MB after 1000 = ${
      ((m.atEnd / m.at10 - 1) * 100).toFixed(1)
    }% (goal within 10%)`,
  ];
}

if (import.meta.main) { for (const line of await pulseBenches()) console.log(line); }
