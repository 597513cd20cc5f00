/**
 * Test harness: real temp data dirs and the real CLI entry point, run under looop's own
 * permission set (the same flags as `deno task looop`).
 */
import { backgroundFlags, PERMISSION_FLAGS, SELF_ENV } from "../src/sys/permissions.ts";
import { assert, assertEquals } from "./assert.ts";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const MAIN = `${ROOT}/src/main.ts`;
export const DENO = Deno.execPath();

/**
 * The argv that runs looop from source exactly like `deno task looop`, from Deno's cache only:
 * the test task fetches every npm package first (`deno install`), and a short-lived run that
 * loads a verb module would otherwise ask the registry for its packages' metadata each time and
 * say "Download …" on stderr (Deno exits before it caches that metadata).
 */
export const LOOOP_ARGV = [DENO, "run", "--cached-only", ...PERMISSION_FLAGS, MAIN];

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

/** A fresh temp dir (named `<prefix>…`) for `fn`, removed afterwards whatever happens. */
export async function withTempDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
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
 * Hold a session's liveness lock (`sessions/<id>/host.lock`, or the pulse's `.lock`) from a separate
 * process, as a session host does, so tests can make sessions that are alive or dead for real.
 * The holder reads its stdin until it closes, so it also ends with the test process.
 * Kill it with killHolder() to make the session die.
 */
export async function holdSessionLock(dataDir: string, id: string): Promise<Deno.ChildProcess> {
  const dir = `${dataDir}/sessions/${id}`;
  await Deno.mkdir(dir, { recursive: true });
  const lockPath = id === "pulse" ? `${dataDir}/.lock` : `${dir}/host.lock`;
  const script = `const f = await Deno.open(${JSON.stringify(lockPath)}, { read: true, write: true, create: true });
await f.lock(true);
console.log("locked");
for await (const _ of Deno.stdin.readable) { /* hold until killed or our parent goes */ }`;
  const child = new Deno.Command(DENO, {
    args: ["eval", "--no-prompt", `--allow-read=${lockPath}`, `--allow-write=${lockPath}`, script],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  if (!new TextDecoder().decode(value).includes("locked")) {
    await killHolder(child);
    throw new Error("lock holder did not start");
  }
  return child;
}

// ---- End-to-end helpers (tests/e2e) ----

/** A fresh temp data dir for `fn`, removed afterwards whatever happens. */
export async function withDataDir(
  fn: (d: { dir: string; base: string; env: Record<string, string> }) => Promise<void>,
): Promise<void> {
  const d = await tempDataDir();
  try {
    await fn({ ...d, base: d.dir.replace(/\/data$/, "") });
  } catch (e) {
    await d.cleanup().catch(() => {}); // the test's own failure is the one to report
    throw e;
  }
  await d.cleanup();
}

/** Run a first command so the data dir exists and is seeded; fails the test if it does not work. */
export async function seed(env: Record<string, string>): Promise<void> {
  const r = await looop(["_", "asks", "--json"], { env });
  assertEquals(r.code, 0, r.stderr);
}

/**
 * Every entry under `dir`, dotfiles and lock files included: path → kind, mode and (for files)
 * the whole content. Two equal snapshots mean nothing was created, removed, changed or re-moded.
 */
export async function treeSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string, rel: string) => {
    const st = await Deno.lstat(path);
    const mode = ((st.mode ?? 0) & 0o7777).toString(8);
    if (st.isSymlink) out[rel] = `link -> ${await Deno.readLink(path)}`;
    else if (st.isDirectory) {
      out[rel] = `dir ${mode}`;
      for await (const e of Deno.readDir(path)) await walk(`${path}/${e.name}`, `${rel}/${e.name}`);
    } else out[rel] = `file ${mode} ${new TextDecoder().decode(await Deno.readFile(path))}`;
  };
  await walk(dir, ".");
  return out;
}

/** The run failed with `code` and exactly one stderr line `looop: <what> — <how to fix>`. */
export function assertOneLineError(r: Run, code: number, what?: RegExp): void {
  const detail = `exit ${r.code}, stderr: ${JSON.stringify(r.stderr)}`;
  assertEquals(r.code, code, detail);
  assert(/^looop: [^\n]+ — [^\n]+\n$/.test(r.stderr), `not one 'looop: <what> — <how to fix>' line: ${detail}`);
  assert(!/^\s+at /m.test(r.stderr + r.stdout), `stack trace printed: ${detail}`);
  if (what) assert(what.test(r.stderr), `stderr does not match ${what}: ${detail}`);
}

/** Run `looop args`, expecting a one-line error with `code`, and that the data dir did not change at all. */
export async function assertRefusedUnchanged(
  dir: string,
  args: string[],
  opts: { env: Record<string, string>; stdin?: string },
  code: number,
  what?: RegExp,
): Promise<Run> {
  const before = await treeSnapshot(dir);
  const r = await looop(args, opts);
  try {
    assertOneLineError(r, code, what);
  } catch (e) {
    throw new Error(`looop ${JSON.stringify(args)}: ${(e as Error).message}`);
  }
  assertEquals(await treeSnapshot(dir), before, `looop ${JSON.stringify(args)} changed the data dir`);
  return r;
}

/** Kill a holdSessionLock holder (its session becomes dead) and reap it. */
export async function killHolder(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
  await child.status;
  await child.stdin.close().catch(() => {});
  await child.stdout.cancel().catch(() => {});
}

/**
 * A dir holding an executable `looop` that runs the real CLI (LOOOP_ARGV), for scripts that call
 * `looop` from PATH, such as the shell completion.
 */
export async function looopOnPath(dir: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  await Deno.writeTextFile(`${bin}/looop`, `#!/bin/sh\nexec ${LOOOP_ARGV.map(quote).join(" ")} "$@"\n`, {
    mode: 0o755,
  });
  return bin;
}

/** The local day of `d` as YYYY-MM-DD, as the journal and the ledger print it. */
export function localDayOf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * Assert that `pid` (`what`, for the message) runs as looop starts its background processes from
 * source: every background flag on its command line, SELF_ENV in its environment. Read from /proc
 * (Linux) through cat: Deno reads /proc/<pid> only with every permission.
 */
export async function assertBackgroundLaunch(pid: number, what: string): Promise<void> {
  const read = async (f: string) => {
    const out = await new Deno.Command("cat", { args: [`/proc/${pid}/${f}`], stdout: "piped", stderr: "null" })
      .output();
    assert(out.success, `/proc/${pid}/${f} of the ${what}`);
    return new TextDecoder().decode(out.stdout).split("\0").filter(Boolean);
  };
  const [argv, env] = [await read("cmdline"), await read("environ")];
  for (const f of backgroundFlags()) assert(argv.includes(f), `${f} in the ${what}'s ${argv.join(" ")}`);
  for (const [k, v] of Object.entries(SELF_ENV)) assert(env.includes(`${k}=${v}`), `${k}=${v} for the ${what}`);
}

/** One journal line as SPEC §2 fixes it: `- YYYY-MM-DD HH:MM <text>`. */
export const JOURNAL_LINE = /^- \d{4}-\d{2}-\d{2} \d{2}:\d{2} \S.*$/;

/** End background looops that are still running (after a failed assertion) and wait for them all. */
export async function reap(...procs: { child: Deno.ChildProcess; done: Promise<Run> }[]): Promise<void> {
  for (const p of procs) {
    try {
      p.child.kill("SIGKILL");
    } catch { /* already exited */ }
  }
  await Promise.all(procs.map((p) => p.done));
}
