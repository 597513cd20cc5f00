/**
 * The sensor runner (SPEC §5 step 2): every sensors/*.sh, concurrently with bounded parallelism,
 * cwd = data dir, each with a timeout that kills its whole process group and an output cap.
 */
import { type Reading, toReading } from "../core/readings.ts";
import { runProcess } from "../sys/spawn.ts";
import { listNames } from "../sys/fs.ts";
import type { DataDir } from "../store/layout.ts";

export type SensorLimits = { timeoutS: number; maxBytes: number; parallel: number };

export const DEFAULT_SENSOR_LIMITS: SensorLimits = { timeoutS: 60, maxBytes: 8192, parallel: 8 };

export async function runSensor(dd: DataDir, file: string, limits: SensorLimits): Promise<Reading> {
  const r = await runProcess([`${dd.sensorsDir}/${file}`], {
    cwd: dd.root,
    timeoutMs: limits.timeoutS * 1000,
    maxStdoutBytes: limits.maxBytes,
    env: { LOOOP_DATA_DIR: dd.root },
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
      return toReading(o);
  }
}

/** Run every shell sensor; `sensor-<name>` → reading. */
export async function runSensors(dd: DataDir, limits: SensorLimits): Promise<Record<string, Reading>> {
  const files = await listNames(dd.sensorsDir, ".sh");
  const out: Record<string, Reading> = {};
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      out[`sensor-${file.slice(0, -3)}`] = await runSensor(dd, file, limits);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.parallel, files.length) }, worker));
  return out;
}
