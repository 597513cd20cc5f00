/**
 * The weight of looop's own processes (#16), each beside a baseline measured in the same run:
 * - the pulse as `up` starts it (`_ pulse`, interval 10 ms) after 1,000 beats, and an idle session host,
 *   against Deno's RSS for an empty script that only waits (goals: pulse <= 60 MB, host <= 40 MB);
 * - 50 plain-command workers started together: their hosts' total RSS, `_ sessions` over them vs
 *   an empty script, and an unchanged beat with the 50 workers vs with none.
 */
import { ConfigSchema } from "../src/core/config.ts";
import type { Log } from "../src/core/log.ts";
import { beatContext, runBeat } from "../src/pulse/beat.ts";
import { DEFAULT_SENSOR_LIMITS } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { PERMISSION_FLAGS } from "../src/sys/permissions.ts";
import { DENO, EMPTY, fmt, interleaved, LOOOP, median, ROOT, timeRun } from "./measure.ts";
import { rssMb } from "./worker_bench.ts";

const FAKE = `${ROOT}/tests/fixtures/fake-pi`;
const quiet: Log = () => {};

/** A seeded data dir whose runner is the fake one and whose workers run `interactive`. */
async function dataDir(interactive: string) {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  const dd = await ensureDataDir(layout(`${base}/data`));
  const config = { runners: { pi: { tick: FAKE, interactive } }, sandbox: { mode: "off" }, max_workers: 64 };
  await Deno.writeTextFile(dd.configPath, JSON.stringify(config));
  const env = { LOOOP_DATA_DIR: dd.root, NO_COLOR: "1" };
  return { base, dd, config: ConfigSchema.parse(config), env };
}

/** Deno's RSS for a script that does nothing but wait, under looop's permission set. */
async function emptyRss(): Promise<number> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(script, "await new Promise((r) => setTimeout(r, 30_000));\n");
  const child = new Deno.Command(DENO, { args: ["run", ...PERMISSION_FLAGS, script], stdout: "null" }).spawn();
  try {
    await new Promise((r) => setTimeout(r, 1500));
    return await rssMb(child.pid);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(script);
  }
}

/** The pulse as `up` starts it (`_ pulse`), beating every 10 ms: its RSS once it has begun `beats` beats. */
async function pulseRss(beats = 1000): Promise<{ rss: number; beats: number }> {
  const { base, dd, env } = await dataDir("sleep 1000");
  const child = new Deno.Command(LOOOP[0], {
    args: [...LOOOP.slice(1), "_", "pulse", "--json"],
    env: { ...env, LOOOP_INTERVAL: "0.01" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const log = `${dd.root}/sessions/pulse/output.log`;
  const count = async () =>
    ((await Deno.readTextFile(log).catch(() => "")).match(/"event":"beat\.start"/g) ?? []).length;
  let seen = 0;
  try {
    for (let waited = 0; seen < beats && waited < 300_000; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await count();
    }
    return { rss: await rssMb(child.pid), beats: seen };
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(base, { recursive: true });
  }
}

async function looop(env: Record<string, string>, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(LOOOP[0], {
    args: [...LOOOP.slice(1), ...args],
    env,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (out.code !== 0) throw new Error(`looop ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

/** 50 plain-command workers started at once; then what they weigh and what they cost the pulse. */
async function fleet(n = 50) {
  const { base, dd, config, env } = await dataDir("sleep 1000");
  const ctx = beatContext(dd, config, { log: quiet, sensors: DEFAULT_SENSOR_LIMITS, decideTimeoutS: 60 });
  try {
    await runBeat(ctx); // the first beat decides; the next ones skip
    const beat0: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await runBeat(ctx);
      beat0.push(performance.now() - t0);
    }
    const t0 = performance.now();
    await Promise.all(
      Array.from(
        { length: n },
        (_, i) => looop(env, "_", "worker", "start", `f${i}`, "brief", "--command", "sleep 1000"),
      ),
    );
    const startAll = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1000));
    let hosts = 0;
    for (let i = 0; i < n; i++) {
      const meta = JSON.parse(await Deno.readTextFile(`${dd.root}/sessions/f${i}/meta.json`));
      hosts += await rssMb(meta.host_pid);
    }
    await runBeat(ctx); // the 50 new workers are a change: decided once
    const beat50: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t1 = performance.now();
      await runBeat(ctx);
      beat50.push(performance.now() - t1);
    }
    const cli = await interleaved({
      sessions: () => timeRun([...LOOOP, "_", "sessions", "--json"], env),
      empty: () => timeRun(EMPTY),
    }, 7);
    return {
      n,
      startAll,
      hosts,
      beat0: median(beat0),
      beat50: median(beat50),
      sessions: cli.sessions,
      empty: cli.empty,
    };
  } finally {
    await Promise.all(Array.from({ length: n }, (_, i) => looop(env, "_", "kill", `f${i}`).catch(() => {})));
    await Deno.remove(base, { recursive: true });
  }
}

/** An idle host: one worker, a second after it started. */
async function hostRss(): Promise<number> {
  const { base, dd, env } = await dataDir("sleep 1000");
  try {
    await looop(env, "_", "worker", "start", "idle", "brief");
    await new Promise((r) => setTimeout(r, 1500));
    const meta = JSON.parse(await Deno.readTextFile(`${dd.root}/sessions/idle/meta.json`));
    const rss = await rssMb(meta.host_pid);
    await looop(env, "_", "kill", "idle");
    return rss;
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

export async function fleetBenches(): Promise<string[]> {
  const empty = await emptyRss();
  const pulse = await pulseRss();
  const host = await hostRss();
  const f = await fleet();
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  return [
    `pulse RSS after ${pulse.beats} beats: ${mb(pulse.rss)} (goal <= 60 MB) vs an empty script's ${mb(empty)} = ${
      (pulse.rss / empty).toFixed(2)
    }x; idle session host ${mb(host)} (goal <= 40 MB) = ${(host / empty).toFixed(2)}x`,
    `${f.n} plain-command workers started together in ${fmt(f.startAll)}: hosts ${mb(f.hosts)} in all ` +
    `(${mb(f.hosts / f.n)} each); _ sessions --json ${fmt(f.sessions)} vs an empty script ${fmt(f.empty)} = ${
      (f.sessions / f.empty).toFixed(2)
    }x; unchanged beat ${fmt(f.beat50)} with ${f.n} workers vs ${fmt(f.beat0)} with none = ${
      (f.beat50 / f.beat0).toFixed(2)
    }x`,
  ];
}

if (import.meta.main) { for (const line of await fleetBenches()) console.log(line); }
