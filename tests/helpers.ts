/**
 * Test harness: real temp data dirs and the real CLI entry point, run under looop's own
 * permission set (the same flags as `deno task looop`).
 */
import { PERMISSION_FLAGS } from "../src/sys/permissions.ts";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const MAIN = `${ROOT}/src/main.ts`;
export const DENO = Deno.execPath();

/** The argv that runs looop from source exactly like `deno task looop`. */
export const LOOOP_ARGV = [DENO, "run", ...PERMISSION_FLAGS, MAIN];

export type Run = { code: number; stdout: string; stderr: string };

/** A fresh data dir (not yet created inside a fresh temp dir, so looop seeds it). */
export async function tempDataDir(): Promise<{ dir: string; env: Record<string, string>; cleanup(): Promise<void> }> {
  const base = await Deno.makeTempDir({ prefix: "looop-test-" });
  const dir = `${base}/data`;
  return {
    dir,
    env: { LOOOP_DATA_DIR: dir, NO_COLOR: "1" },
    cleanup: () => Deno.remove(base, { recursive: true }),
  };
}

/** Environment for a child: the caller's PATH and HOME, nothing else unless given. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const k of ["PATH", "HOME"] as const) {
    const v = Deno.env.get(k);
    if (v !== undefined) base[k] = v;
  }
  return { ...base, ...extra };
}

/** Run `looop <args>` to completion. */
export async function looop(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<Run> {
  const cmd = new Deno.Command(LOOOP_ARGV[0], {
    args: [...LOOOP_ARGV.slice(1), ...args],
    env: childEnv(opts.env ?? {}),
    clearEnv: true,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Start `looop <args>` in the background; collect its output when it ends. */
export function spawnLooop(args: string[], opts: { env?: Record<string, string> } = {}) {
  const child = new Deno.Command(LOOOP_ARGV[0], {
    args: [...LOOOP_ARGV.slice(1), ...args],
    env: childEnv(opts.env ?? {}),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const done = child.output().then((o): Run => ({
    code: o.code,
    stdout: new TextDecoder().decode(o.stdout),
    stderr: new TextDecoder().decode(o.stderr),
  }));
  return { child, done };
}

/** Wait (bounded) until `check` returns a value; polls, since tests must not guess with sleeps. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Hold a session's liveness lock from a separate process (as a session host will), so tests can
 * make sessions that are alive or dead for real. Kill the returned child to make it die.
 */
export async function holdSessionLock(dataDir: string, id: string): Promise<Deno.ChildProcess> {
  const dir = `${dataDir}/sessions/${id}`;
  await Deno.mkdir(dir, { recursive: true });
  const lockPath = id === "pulse" ? `${dataDir}/.lock` : `${dir}/host.lock`;
  const script = `const f = await Deno.open(${JSON.stringify(lockPath)}, {read:true, write:true, create:true});
await f.lock(true); console.log("locked"); setInterval(() => {}, 1 << 30);`;
  const child = new Deno.Command(DENO, {
    args: ["eval", "--no-prompt", `--allow-read=${lockPath}`, `--allow-write=${lockPath}`, script],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  if (!new TextDecoder().decode(value).includes("locked")) throw new Error("lock holder did not start");
  return child;
}
