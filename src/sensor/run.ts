/**
 * The sensor runner (SPEC §5 step 2): every sensors/*.sh, concurrently with bounded parallelism,
 * cwd = data dir, each with a timeout that kills its whole process group and an output cap.
 */
import { errorReading, type Reading, toReading } from "../core/readings.ts";
import { shellQuote } from "../core/shell.ts";
import { runProcess } from "../sys/spawn.ts";
import { listNames } from "../sys/fs.ts";
import { confined, type Sandbox } from "../sys/sandbox.ts";
import type { DataDir } from "../store/layout.ts";
import { runTsSensor } from "./ts.ts";

export type SensorLimits = { timeoutS: number; maxBytes: number; parallel: number };

export const DEFAULT_SENSOR_LIMITS: SensorLimits = { timeoutS: 60, maxBytes: 8192, parallel: 8 };

/** Run one shell sensor; inside the OS sandbox when there is one. */
export async function runSensor(dd: DataDir, file: string, limits: SensorLimits, sb?: Sandbox): Promise<Reading> {
  const path = `${dd.sensorsDir}/${file}`;
  let argv = [path];
  if (sb) {
    const c = await confined(sb, `exec ${shellQuote(path)}`, [path]);
    if (!c.ok) return errorReading(126, c.reason);
    argv = c.argv;
  }
  const r = await runProcess(argv, {
    cwd: dd.root,
    timeoutMs: limits.timeoutS * 1000,
    maxStdoutBytes: limits.maxBytes,
    env: { LOOOP_DATA_DIR: dd.root, TMPDIR: dd.tmpDir },
  });
  const o = r.outcome;
  switch (o.kind) {
    case "exited":
      return toReading({ ...o, stdout: new TextDecoder().decode(r.stdout), stderrTail: r.stderrTail });
    case "timeout":
      return toReading({ kind: "timeout", timeoutS: limits.timeoutS, stderrTail: r.stderrTail });
    case "overflow":
      return toReading({ kind: "overflow", maxBytes: limits.maxBytes, stderrTail: r.stderrTail });
    case "spawn-error":
      return toReading({ ...o, hint: await spawnHint(path, o.message) });
  }
}

/** Why a sensor that could not be started failed, when "chmod +x" is not the fix. */
async function spawnHint(path: string, message: string): Promise<string | undefined> {
  const [link, file] = await Promise.all([
    Deno.lstat(path).catch(() => undefined),
    Deno.stat(path).catch(() => undefined),
  ]);
  if (file?.isDirectory) return "it is a directory; a sensor is an executable file";
  if (!/No such file or directory/.test(message)) return undefined;
  if (file?.isFile) return "its #! line names a program that does not exist; fix the first line";
  if (link?.isSymlink) return "it is a symlink to nothing; fix or remove it";
  return undefined;
}

/** Run every sensor (`.sh` in the sandbox, `.ts` in a narrowed Worker); `sensor-<name>` → reading. */
export async function runSensors(dd: DataDir, limits: SensorLimits, sb?: Sandbox): Promise<Record<string, Reading>> {
  const files = (await listNames(dd.sensorsDir)).filter((f) => /\.(sh|ts)$/.test(f));
  const out: Record<string, Reading> = {};
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      out[`sensor-${file.slice(0, -3)}`] = file.endsWith(".ts")
        ? await runTsSensor(dd, file, limits)
        : await runSensor(dd, file, limits, sb);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.parallel, files.length) }, worker));
  return out;
}
