/**
 * `_ host <id>`: the session host's entry (started by looop itself, detached). It loads only
 * what hosting needs, not the CLI, to keep each live worker's host small in memory.
 */
import { resolveDataDir } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";
import { runHost } from "../supervisor/host.ts";

export async function hostCommand(id: string): Promise<number> {
  return await runHost(await ensureDataDir(resolveDataDir()), id);
}
