/** snapshots/: each beat's readings, `sensor-<name>.json` and `sys-<name>.json`. */
import { ensureDir, listNames, readJson, readTextIfExists, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/**
 * snapshot name (file name without .json) → reading, as the last beat left them (for `_ state`
 * and `_ wait`; the beat itself hashes what it sensed). A file that does not parse is left out:
 * the next beat writes every reading again.
 */
export async function readReadings(dd: DataDir): Promise<Record<string, unknown>> {
  const names = await listNames(dd.snapshotsDir, ".json");
  const values = await Promise.all(names.map((n) => readJson(`${dd.snapshotsDir}/${n}`)));
  const out: Record<string, unknown> = {};
  names.forEach((n, i) => {
    const v = values[i];
    if (v.kind === "parsed") out[n.slice(0, -5)] = v.value;
  });
  return out;
}

/** One snapshot's reading as the last beat left it; undefined when it is missing or does not parse. */
export async function readReading(dd: DataDir, name: string): Promise<unknown> {
  const v = await readJson(`${dd.snapshotsDir}/${name}.json`);
  return v.kind === "parsed" ? v.value : undefined;
}

/** Replace the snapshots with this beat's readings: each written atomically, stale ones removed. */
export async function writeReadings(dd: DataDir, readings: Record<string, unknown>): Promise<void> {
  await ensureDir(dd.snapshotsDir);
  for (const [name, reading] of Object.entries(readings)) {
    const path = `${dd.snapshotsDir}/${name}.json`;
    const text = JSON.stringify(reading, null, 2) + "\n";
    if ((await readTextIfExists(path)) === text) continue; // most beats change nothing
    await writeFileAtomic(path, text, 0o644, { durable: false }); // scratch: the next beat rewrites it
  }
  for (const file of await listNames(dd.snapshotsDir, ".json")) {
    if (!(file.slice(0, -5) in readings)) await removeIfExists(`${dd.snapshotsDir}/${file}`);
  }
}
