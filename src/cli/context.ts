/** What every verb needs: the data dir (created and seeded on first use) and, for some, the config. */
import type { Config } from "../core/config.ts";
import { loadConfig } from "../store/config.ts";
import { type DataDir, resolveDataDir } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";

export function dataDir(): Promise<DataDir> {
  return ensureDataDir(resolveDataDir());
}

/** The validated config; warnings (unknown keys) go to stderr. */
export async function config(dd: DataDir): Promise<Config> {
  const { config, warnings } = await loadConfig(dd);
  for (const w of warnings) console.error(`looop: warning: ${w}`);
  return config;
}
