/** Read config.json through the schema (SPEC §3). */
import { type LoadedConfig, parseConfig } from "../core/config.ts";
import { readTextIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

export async function loadConfig(dd: DataDir): Promise<LoadedConfig> {
  return parseConfig(await readTextIfExists(dd.configPath), dd.configPath);
}
