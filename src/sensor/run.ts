/**
 * The sensor runner (SPEC §5 step 2, §10): every sensors/*.sh and *.ts, cwd = data dir, each in a
 * process group of its own with a timeout that kills the group and an output cap, and with only
 * the hosts and variables its policy allows. With the OS sandbox on, the sensors of one beat that
 * share a policy run inside ONE sandbox (sensor/mux.ts); without it, each runs unconfined when the
 * mode allows it, and none runs when it does not.
 */
import { shellQuote } from "../core/shell.ts";
import { type Reading, type SensorRun, toReading } from "../core/readings.ts";
import { sensorHeader, type SensorKind, type SensorPolicy, sensorPolicy } from "../core/sensor_policy.ts";
import { LooopError } from "../core/errors.ts";
import { minimalEnv } from "../sys/env.ts";
import {
  ensureDir,
  ensureOwnDir,
  listNames,
  readPrefix,
  readTail,
  readTextIfExists,
  removeTree,
  statIfExists,
} from "../sys/fs.ts";
import { runConfined, type Sandbox, sandboxVerdict } from "../sys/sandbox.ts";
import { runProcess } from "../sys/spawn.ts";
import type { DataDir } from "../store/layout.ts";
import { MUX_SCRIPT, type MuxResult, parseMuxOutput } from "./mux.ts";
import { tsSensorArgv, tsSensorEnv } from "./ts.ts";

/** `signal`: aborted when the pulse stops; every sensor's group ends at once. */
export type SensorLimits = { timeoutS: number; maxBytes: number; parallel: number; signal?: AbortSignal };

export const DEFAULT_SENSOR_LIMITS: SensorLimits = { timeoutS: 60, maxBytes: 8192, parallel: 8 };

/** What sensing needs besides the data dir: the sandbox and what the config lets sensors reach. */
export type SensorSetup = {
  sandbox: Sandbox;
  allowNet: string[];
  passEnv: string[];
  /** run only these sensors (reading names, `sensor-<name>`): `_ sensor write` runs the new one once */
  only?: string[];
  /**
   * For a sensor with a `looop:interval` header: the reading that stands for it this beat (it ran
   * less than `intervalS` ago), or undefined to run it now. Without it, every sensor runs.
   */
  standIn?: (name: string, intervalS: number) => Promise<Reading | undefined>;
};

/** Between SIGTERM and SIGKILL of a timed-out sensor's group. */
const KILL_GRACE_S = 1;
/** Bytes of a sensor's stderr kept for its error reading. */
const STDERR_TAIL = 2048;
/** A sandboxed sensor's files may not grow past this (its stdout is capped at maxBytes anyway). */
const FILE_CAP_BYTES = 1024 * 1024;

type Planned = { name: string; kind: SensorKind; path: string; argv: string[]; policy: SensorPolicy };

/**
 * The sensors in sensors/, each with its argv and policy, or the reading that stands for it: why
 * it cannot run, or (between the runs its interval allows) its last one.
 */
async function plan(dd: DataDir, setup: SensorSetup): Promise<{ planned: Planned[]; failed: Record<string, Reading> }> {
  const files = (await listNames(dd.sensorsDir)).filter((f) => /\.(sh|ts)$/.test(f));
  const planned: Planned[] = [];
  const failed: Record<string, Reading> = {};
  for (const file of files) {
    const kind: SensorKind = file.endsWith(".ts") ? "ts" : "sh";
    const name = `sensor-${file.slice(0, -3)}`;
    if (setup.only && !setup.only.includes(name)) continue;
    const path = `${dd.sensorsDir}/${file}`;
    let source: string | undefined;
    try {
      if (statIfExists(path)?.isDirectory) {
        failed[name] = toReading({
          kind: "spawn-error",
          message: `${path} is a directory`,
          hint: "a sensor is an executable file",
        });
        continue;
      }
      source = await readTextIfExists(path);
    } catch (e) {
      // A link where a sensor should be (sys/fs.ts refuses it), a directory, an unreadable file.
      failed[name] = toReading({ kind: "refused", message: e instanceof LooopError ? e.message : String(e) });
      continue;
    }
    if (source === undefined) continue; // removed meanwhile
    const header = sensorHeader(source, kind);
    const p = sensorPolicy(header, kind, setup);
    if (!p.ok) {
      failed[name] = toReading({ kind: "refused", message: p.reason });
      continue;
    }
    const standing = header.interval !== undefined ? await setup.standIn?.(name, header.interval) : undefined;
    if (standing) {
      failed[name] = standing; // its last reading stands until its interval is up
      continue;
    }
    const argv = kind === "ts" ? tsSensorArgv(path, p.policy) : [path];
    planned.push({ name, kind, path, argv, policy: p.policy });
  }
  return { planned, failed };
}

/** The environment a sensor with `policy` gets (SPEC §10: minimal, plus what it may have). */
function sensorEnv(dd: DataDir, s: Pick<Planned, "kind" | "policy">): Record<string, string> {
  const base = { LOOOP_DATA_DIR: dd.root, TMPDIR: dd.tmpDir, ...(s.kind === "ts" ? tsSensorEnv() : {}) };
  return minimalEnv(s.policy.env, base);
}

/** Run every sensor; `sensor-<name>` → reading. */
export async function runSensors(
  dd: DataDir,
  limits: SensorLimits,
  setup: SensorSetup,
): Promise<Record<string, Reading>> {
  const { planned, failed } = await plan(dd, setup);
  const out: Record<string, Reading> = { ...failed };
  if (planned.length) await ensureOwnDir(dd.tmpDir); // their TMPDIR, whatever was planted there
  const verdict = sandboxVerdict(setup.sandbox, "sensor");
  if (verdict.run === "refused") {
    for (const s of planned) out[s.name] = toReading({ kind: "refused", message: verdict.reason });
  } else if (verdict.run === "unconfined") {
    await pool(planned, limits.parallel, async (s) => {
      out[s.name] = await runUnconfined(dd, s, limits);
    });
  } else {
    // One sandbox per policy: sensors with the same hosts and variables share one.
    const groups = new Map<string, Planned[]>();
    for (const s of planned) {
      const key = JSON.stringify([s.policy, s.kind === "ts"]);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    await Promise.all([...groups.values()].map(async (group) => Object.assign(out, await runGroup(dd, group, limits))));
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/** One sensor without a sandbox (the mode allows it): its own group, timeout, cap and env. */
async function runUnconfined(dd: DataDir, s: Planned, limits: SensorLimits): Promise<Reading> {
  const r = await runProcess(s.argv, {
    cwd: dd.root,
    timeoutMs: limits.timeoutS * 1000,
    maxStdoutBytes: limits.maxBytes,
    stderrTailBytes: STDERR_TAIL,
    env: sensorEnv(dd, s),
    clearEnv: true,
    killGraceMs: KILL_GRACE_S * 1000,
    signal: limits.signal,
  });
  const o = r.outcome;
  switch (o.kind) {
    case "exited":
      return reading(s, { ...o, stdout: new TextDecoder().decode(r.stdout), stderrTail: r.stderrTail });
    case "timeout":
      return reading(s, { kind: "timeout", timeoutS: limits.timeoutS, stderrTail: r.stderrTail });
    case "overflow":
      return reading(s, { kind: "overflow", maxBytes: limits.maxBytes, stderrTail: r.stderrTail });
    case "aborted":
      return toReading({ kind: "refused", message: "stopped: the pulse was stopping" });
    case "spawn-error":
      return reading(s, { ...o, hint: spawnHint(s.path, o.message) });
  }
}

/** A `.ts` sensor that ran out of memory says so (its Deno runs with a heap cap). */
function reading(s: Pick<Planned, "kind">, run: SensorRun): Reading {
  if (s.kind === "ts" && run.kind === "exited" && run.code !== 0 && /out of memory|heap limit/i.test(run.stderrTail)) {
    return toReading({ kind: "refused", message: "ran out of memory (a .ts sensor's heap is capped) and was stopped" });
  }
  return toReading(run);
}

/** Why a sensor that could not be started failed, when "chmod +x" is not the fix. */
function spawnHint(path: string, message: string): string | undefined {
  if (/No such file or directory/.test(message) && statIfExists(path)?.isFile) {
    return "its #! line names a program that does not exist; fix the first line";
  }
  return undefined;
}

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  6: "SIGABRT",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  15: "SIGTERM",
  25: "SIGXFSZ",
};

/** 128+N from a shell is the signal N; anything else a plain exit code. */
function exitOf(code: number): { code: number | null; signal: string | null } {
  const signal = code > 128 ? SIGNALS[code - 128] : undefined;
  return signal ? { code: null, signal } : { code, signal: null };
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A group of sensors sharing a policy, inside ONE sandbox: the mux program starts each and writes
 * its output to a fresh dir under scratch/, which is read here (never through a link) and removed.
 */
async function runGroup(dd: DataDir, group: Planned[], limits: SensorLimits): Promise<Record<string, Reading>> {
  const nonce = randomHex(16);
  const dir = `${dd.scratchDir}/.sense-${randomHex(8)}`;
  await ensureDir(dir, 0o700);
  const kib = Math.ceil(Math.max(limits.maxBytes + 1, FILE_CAP_BYTES) / 1024) + 1;
  const input = [
    nonce,
    dir,
    String(limits.timeoutS),
    String(KILL_GRACE_S),
    String(kib),
    String(limits.parallel),
    ...group.map((s) => s.argv.map(shellQuote).join(" ")),
  ].join("\n") + "\n";
  const rounds = Math.ceil(group.length / Math.max(1, limits.parallel));
  const out: Record<string, Reading> = {};
  try {
    const r = await runConfined(`exec bash -c ${shellQuote(MUX_SCRIPT)}`, {
      net: group[0].policy.net,
      env: sensorEnv(dd, group[0]),
    }, {
      cwd: dd.root,
      stdin: input,
      timeoutMs: (rounds * (limits.timeoutS + 2 * KILL_GRACE_S) + 30) * 1000,
      maxStdoutBytes: 64 * 1024 + group.length * 128,
      stderrTailBytes: STDERR_TAIL,
      signal: limits.signal,
    });
    const results = parseMuxOutput(new TextDecoder().decode(r.stdout), nonce);
    if (results === "unsupported") return await runEachConfined(dd, group, limits);
    for (const [i, s] of group.entries()) {
      const res = results.get(i);
      out[s.name] = res ? await readingFromFiles(s, res, `${dir}/${i}`, limits) : toReading({
        kind: "refused",
        message: `the sandbox gave no result for this sensor (${sandboxFailure(r)})`,
      });
    }
  } finally {
    await removeTree(dir).catch(() => undefined);
  }
  return out;
}

/** Why a sandboxed run produced nothing: the sandbox's own error, or how the run ended. */
function sandboxFailure(r: { outcome: { kind: string }; stderrTail: string }): string {
  const last = r.stderrTail.trim().split("\n").pop();
  return last ? `sandbox: ${last.slice(0, 300)}` : `the run ended: ${r.outcome.kind}`;
}

async function readingFromFiles(s: Planned, res: MuxResult, base: string, limits: SensorLimits): Promise<Reading> {
  // Read without following a link (a sensor of the group could have planted one), at most the cap + 1.
  const stdout = await readPrefix(`${base}.out`, limits.maxBytes + 1).catch(() => new Uint8Array());
  const stderrTail = await readTail(`${base}.err`, STDERR_TAIL).catch(() => "");
  if (res.kind === "timeout") return reading(s, { kind: "timeout", timeoutS: limits.timeoutS, stderrTail });
  if (stdout.length > limits.maxBytes) return reading(s, { kind: "overflow", maxBytes: limits.maxBytes, stderrTail });
  const exit = exitOf(res.code);
  if (exit.signal === "SIGXFSZ") {
    return toReading({ kind: "refused", message: `wrote more than ${FILE_CAP_BYTES} bytes to stderr and was killed` });
  }
  return reading(s, { kind: "exited", ...exit, stdout: new TextDecoder().decode(stdout), stderrTail });
}

/** Where bash is too old for the mux: one sandbox per sensor. */
async function runEachConfined(dd: DataDir, group: Planned[], limits: SensorLimits): Promise<Record<string, Reading>> {
  const out: Record<string, Reading> = {};
  await pool(group, limits.parallel, async (s) => {
    const r = await runConfined(`exec ${s.argv.map(shellQuote).join(" ")}`, {
      net: s.policy.net,
      env: sensorEnv(dd, s),
    }, {
      cwd: dd.root,
      timeoutMs: limits.timeoutS * 1000,
      maxStdoutBytes: limits.maxBytes,
      stderrTailBytes: STDERR_TAIL,
      killGraceMs: KILL_GRACE_S * 1000,
      signal: limits.signal,
    });
    const o = r.outcome;
    out[s.name] = o.kind === "exited"
      ? reading(s, { ...o, stdout: new TextDecoder().decode(r.stdout), stderrTail: r.stderrTail })
      : o.kind === "timeout"
      ? reading(s, { kind: "timeout", timeoutS: limits.timeoutS, stderrTail: r.stderrTail })
      : o.kind === "overflow"
      ? reading(s, { kind: "overflow", maxBytes: limits.maxBytes, stderrTail: r.stderrTail })
      : o.kind === "aborted"
      ? toReading({ kind: "refused", message: "stopped: the pulse was stopping" })
      : reading(s, o);
  });
  return out;
}
