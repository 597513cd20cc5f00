/** snapshots/: each beat's readings, `sensor-<name>.json` and `sys-<name>.json`. */
import { listNames, readJsonIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/** snapshot name (file name without .json) → reading. Unparseable files are skipped. */
export async function readReadings(dd: DataDir): Promise<Record<string, unknown>> {
  const names = await listNames(dd.snapshotsDir, ".json");
  const values = await Promise.all(names.map((n) => readJsonIfExists(`${dd.snapshotsDir}/${n}`)));
  const out: Record<string, unknown> = {};
  names.forEach((n, i) => {
    if (values[i] !== undefined) out[n.slice(0, -5)] = values[i];
  });
  return out;
}
