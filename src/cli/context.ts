/** What every verb needs: the data dir (created and seeded on first use) and, for some, the config. */
import type { Config } from "../core/config.ts";
import { loadConfig } from "../store/config.ts";
import { type DataDir, resolveDataDir } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";
import { localWorkers, type WorkerBackend } from "../supervisor/backend.ts";

export function dataDir(): Promise<DataDir> {
  return ensureDataDir(resolveDataDir());
}

/** Where this data dir's workers run: the one place a backend is chosen (`local`, the only one). */
export function workers(dd: DataDir): WorkerBackend {
  return localWorkers(dd);
}

/** The validated config; warnings (unknown keys) go to stderr. */
export async function config(dd: DataDir): Promise<Config> {
  const { config, warnings } = await loadConfig(dd);
  for (const w of warnings) console.error(`looop: warning: ${w}`);
  return config;
}
