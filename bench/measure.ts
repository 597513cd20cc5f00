/** Timing helpers for benchmarks: medians of real process runs, compared within one run. */
import { PERMISSION_FLAGS } from "../src/sys/permissions.ts";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const DENO = Deno.execPath();
export const LOOOP = [DENO, "run", "--cached-only", ...PERMISSION_FLAGS, `${ROOT}/src/main.ts`];
/** The baseline: an empty script under the very same permission set. */
export const EMPTY = [DENO, "run", "--cached-only", ...PERMISSION_FLAGS, `${ROOT}/bench/empty.ts`];

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Run argv to completion and return its wall time in ms; throws on a non-zero exit. */
export async function timeRun(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), env, stdout: "null", stderr: "piped" }).output();
  const ms = performance.now() - t0;
  if (out.code !== 0) throw new Error(`${argv.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  return ms;
}

/** Interleave runs of several commands so machine noise hits them alike; medians per command. */
export async function interleaved(
  cmds: Record<string, () => Promise<number>>,
  rounds: number,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (const fn of Object.values(cmds)) await fn(); // warm caches once
  for (let i = 0; i < rounds; i++) for (const [k, fn] of Object.entries(cmds)) samples[k].push(await fn());
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
