/**
 * Deno-native sensors (SPEC §10): `sensors/<name>.ts` runs in a process of its own,
 * `looop _ ts-sensor <file> --net=… --env=…`, started like any sensor (inside the OS sandbox
 * where there is one, with its timeout, cap and minimal environment), with its V8 heap capped so
 * that one that allocates forever ends as an error reading instead of taking the pulse down. In
 * that process the sensor's module runs in a Worker whose Deno permissions are narrowed to
 * reading the data dir, the hosts and the variables its policy allows; no writes, no processes,
 * no FFI. Same contract as a shell sensor: print ONE JSON object (or default-export a function
 * that returns it).
 */
import type { SensorPolicy } from "../core/sensor_policy.ts";
import { env } from "../sys/env.ts";
import { selfArgv, selfEnv } from "../sys/self.ts";
import { askNarrowedWorker } from "../sys/worker.ts";

/** A `.ts` sensor's V8 heap cap, in MB. */
export const TS_SENSOR_HEAP_MB = 128;

/** How looop starts a `.ts` sensor. */
export function tsSensorArgv(path: string, policy: SensorPolicy): string[] {
  return [...selfArgv(), "_", "ts-sensor", path, `--net=${policy.net.join(",")}`, `--env=${policy.env.join(",")}`];
}

/** What a `.ts` sensor's process needs in its environment beyond the minimal set. */
export function tsSensorEnv(): Record<string, string> {
  const denoDir = env("DENO_DIR");
  return {
    ...selfEnv(),
    DENO_V8_FLAGS: `--max-old-space-size=${TS_SENSOR_HEAP_MB}`,
    ...(denoDir ? { DENO_DIR: denoDir } : {}),
  };
}

const list = (arg: string | undefined, flag: string) =>
  arg?.startsWith(flag) ? arg.slice(flag.length).split(",").filter(Boolean) : [];

/**
 * `_ ts-sensor <file> --net=<hosts> --env=<names>` (started by looop only): run the sensor in a
 * narrowed Worker; exit 0 with what it printed, or 1 with why (the CLI prints both).
 */
export async function runTsSensorProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [path, netArg, envArg] = args;
  const root = env("LOOOP_DATA_DIR");
  if (!path || !root) {
    const why = "looop _ ts-sensor: started without a sensor or LOOOP_DATA_DIR (looop starts it itself)";
    return { code: 2, stdout: "", stderr: why };
  }
  const hosts = list(netArg, "--net=");
  const names = list(envArg, "--env=");
  type Reply = { ok: true; stdout: string } | { ok: false; error: string };
  const r = await askNarrowedWorker<Reply>(new URL("./ts_worker.ts", import.meta.url), {
    read: [root],
    net: hosts.length ? hosts : false,
    env: names.length ? names : false,
  }, { url: new URL(`file://${path}`).href });
  const reply: Reply = r.ok ? r.reply : r;
  return reply.ok ? { code: 0, stdout: reply.stdout, stderr: "" } : { code: 1, stdout: "", stderr: reply.error };
}
