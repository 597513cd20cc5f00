/**
 * The weight of looop's own processes (#16), each beside a baseline measured in the same run:
 * - the pulse as `up` starts it (`_ pulse`, interval 10 ms) after 1,000 beats, and an idle session host,
 *   against Deno's RSS for an empty script that only waits (goals: pulse <= 60 MB, host <= 40 MB),
 *   each with its private part: the rest is mapped files, mostly Deno's executable, shared by all;
 * - 50 plain-command workers started together: their hosts' total RSS (and PSS, which counts
 *   shared pages once), `_ sessions` over them vs an empty script, and an unchanged beat with the
 *   50 workers vs with none.
 */
import { ConfigSchema } from "../src/core/config.ts";
import type { Log } from "../src/core/log.ts";
import { beatContext, runBeat } from "../src/pulse/beat.ts";
import { DEFAULT_SENSOR_LIMITS } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { backgroundFlags, PERMISSION_FLAGS, SELF_ENV } from "../src/sys/permissions.ts";
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

/** A process's memory in MB: its RSS and, on Linux, the private (anonymous) part of it; the rest is mapped files. */
type Weight = { rss: number; anon?: number };

async function weight(pid: number): Promise<Weight> {
  const rss = await rssMb(pid);
  // Through cat: Deno reads /proc/<pid> only with every permission.
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stdout: "piped", stderr: "null" })
    .output();
  const anon = /RssAnon:\s+(\d+)/.exec(new TextDecoder().decode(out.stdout))?.[1];
  return { rss, anon: anon === undefined ? undefined : Number(anon) / 1024 };
}

/**
 * A process's proportional share (PSS) in MB, on Linux: its private memory plus its share of the
 * pages it maps with others (Deno's own executable, mostly). The honest sum over many hosts.
 */
async function pssMb(pid: number): Promise<number | undefined> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/smaps_rollup`], stdout: "piped", stderr: "null" })
    .output();
  const pss = /^Pss:\s+(\d+)/m.exec(new TextDecoder().decode(out.stdout))?.[1];
  return pss === undefined ? undefined : Number(pss) / 1024;
}

/** Waits, and does nothing else. */
const WAIT = "await new Promise((r) => setTimeout(r, 30_000));\n";

/**
 * Deno's memory for a script that does `body` and then waits: under looop's permission set, or
 * (`background`) under the flags and environment the pulse and the hosts get from source.
 * The script sits in bench/ so that deno.json's import map names its npm packages.
 */
async function scriptWeight(body: string, opts: { background?: boolean } = {}): Promise<Weight> {
  const script = await Deno.makeTempFile({ dir: `${ROOT}/bench`, prefix: ".weight-", suffix: ".ts" });
  await Deno.writeTextFile(script, body + WAIT);
  const child = new Deno.Command(DENO, {
    args: ["run", ...(opts.background ? backgroundFlags() : PERMISSION_FLAGS), script],
    env: opts.background ? { ...SELF_ENV } : {},
    stdout: "null",
  }).spawn();
  try {
    await new Promise((r) => setTimeout(r, 2000));
    return await weight(child.pid);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(script);
  }
}

/**
 * What any Deno process that does a background process's first step weighs, under the flags and
 * environment looop gives them: the floors under the pulse and the host.
 */
async function floors() {
  // zod loaded and one schema used: every file format and move of the pulse is one.
  const zod = 'import { z } from "zod";\nz.object({ a: z.string() }).parse({ a: "x" });\n';
  return {
    /** an empty script */
    empty: await scriptWeight("", { background: true }),
    zod: await scriptWeight(zod, { background: true }),
    /** and with one command run through the FFI spawner, as the pulse runs its sensors */
    zodSpawn: await scriptWeight(
      zod + 'import { runProcess } from "../src/sys/spawn.ts";\n' +
        'await runProcess(["true"], { cwd: "/", timeoutMs: 5000 });\n',
      { background: true },
    ),
    /** one idle terminal through the decided PTY library, which is all a host is for */
    pty: await scriptWeight(
      'import { spawn } from "@lydell/node-pty";\nspawn("sleep", ["1000"], { cols: 120, rows: 40 }).onData(() => {});\n',
      { background: true },
    ),
  };
}

/**
 * The pulse as `looop up` starts it (detached, with the flags it gives the pulse), beating every
 * 10 ms: its memory once it has begun `beats` beats, and the wall time per beat on the way.
 */
async function pulseWeight(
  beats = 1000,
): Promise<Weight & { beats: number; msPerBeat: number; low: number; high: number }> {
  const { base, dd, env } = await dataDir("sleep 1000");
  const upEnv = { ...env, LOOOP_INTERVAL: "0.01" };
  const log = `${dd.root}/sessions/pulse/output.log`;
  const count = async () =>
    ((await Deno.readTextFile(log).catch(() => "")).match(/"event":"beat\.start"/g) ?? []).length;
  try {
    const t0 = performance.now();
    const up = await new Deno.Command(LOOOP[0], {
      args: [...LOOOP.slice(1), "up", "--json"],
      env: upEnv,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (up.code !== 0) throw new Error(`looop up: ${new TextDecoder().decode(up.stderr)}`);
    const { pid } = JSON.parse(new TextDecoder().decode(up.stdout));
    let seen = 0;
    // RSS over the second half of the run: V8 collects its old generation now and then, and one
    // sample alone lands anywhere between a collection's low and the high just before the next.
    const samples: number[] = [];
    for (let waited = 0; seen < beats && waited < 300_000; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await count();
      if (seen >= beats / 2) samples.push(await rssMb(pid));
    }
    const msPerBeat = (performance.now() - t0) / seen;
    return { ...await weight(pid), beats: seen, msPerBeat, low: Math.min(...samples), high: Math.max(...samples) };
  } finally {
    await looop(env, "down").catch(() => {});
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
    let hostsPss = 0;
    for (let i = 0; i < n; i++) {
      const meta = JSON.parse(await Deno.readTextFile(`${dd.root}/sessions/f${i}/meta.json`));
      hosts += await rssMb(meta.host_pid);
      hostsPss += await pssMb(meta.host_pid) ?? NaN;
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
      hostsPss,
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

/** An idle host: one worker, a second and a half after it started. */
async function hostWeight(): Promise<Weight> {
  const { base, dd, env } = await dataDir("sleep 1000");
  try {
    await looop(env, "_", "worker", "start", "idle", "brief");
    await new Promise((r) => setTimeout(r, 1500));
    const meta = JSON.parse(await Deno.readTextFile(`${dd.root}/sessions/idle/meta.json`));
    const w = await weight(meta.host_pid);
    await looop(env, "_", "kill", "idle");
    return w;
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const mb = (x: number) => `${x.toFixed(1)} MB`;

const ofWhich = (w: Weight) => (w.anon === undefined ? "" : ` (${mb(w.anon)} private)`);

/**
 * The pulse after 1,000 beats and an idle host, each beside an empty script's memory in the same
 * run, and beside the floors a Deno process with their first step on it cannot go under.
 */
export async function weightBench(): Promise<string> {
  const empty = await scriptWeight("");
  const floor = await floors();
  const pulse = await pulseWeight();
  const host = await hostWeight();
  const x = (w: Weight) => `${(w.rss / empty.rss).toFixed(2)}x`;
  return `pulse RSS after ${pulse.beats} beats: ${mb(pulse.rss)}${ofWhich(pulse)} (${pulse.low.toFixed(0)}-${
    pulse.high.toFixed(0)
  } MB over its second half; goal <= 60 MB; ${
    pulse.msPerBeat.toFixed(1)
  } ms a beat at a 10 ms interval) vs an empty script's ${mb(empty.rss)}${ofWhich(empty)} = ${x(pulse)}; ` +
    `idle session host ${mb(host.rss)}${ofWhich(host)} (goal <= 40 MB) = ${x(host)}; ` +
    `floors with the background flags: an empty script ${mb(floor.empty.rss)}${ofWhich(floor.empty)} = ${
      x(floor.empty)
    }, zod loaded ${mb(floor.zod.rss)} = ${x(floor.zod)}, and a command run through the FFI spawner ${
      mb(floor.zodSpawn.rss)
    } = ${x(floor.zodSpawn)}, one idle PTY through @lydell/node-pty ${mb(floor.pty.rss)}${ofWhich(floor.pty)} = ${
      x(floor.pty)
    }`;
}

export async function fleetBenches(): Promise<string[]> {
  const weight = await weightBench();
  const f = await fleet();
  return [
    weight,
    `${f.n} plain-command workers started together in ${fmt(f.startAll)}: hosts ${mb(f.hosts)} in all ` +
    `(${mb(f.hosts / f.n)} each${
      Number.isNaN(f.hostsPss)
        ? ""
        : `; ${mb(f.hostsPss)} in proportional shares, shared pages split among their sharers`
    }); _ sessions --json ${fmt(f.sessions)} vs an empty script ${fmt(f.empty)} = ${
      (f.sessions / f.empty).toFixed(2)
    }x; unchanged beat ${fmt(f.beat50)} with ${f.n} workers vs ${fmt(f.beat0)} with none = ${
      (f.beat50 / f.beat0).toFixed(2)
    }x`,
  ];
}

/** Standalone: all of it, or `--weight` for the pulse and host lines only. */
if (import.meta.main) {
  if (Deno.args.includes("--weight")) console.log(await weightBench());
  else for (const line of await fleetBenches()) console.log(line);
}
