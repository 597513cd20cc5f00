/**
 * Processes that must outlive looop, killing whole process groups, and never signalling a
 * stranger: a pid read back from a file is signalled only while the OS still reports the start
 * time recorded when it started (SPEC §10), and never a pid of 1 or less.
 */
/**
 * Start `argv` in a new session and process group, detached from this process and its terminal,
 * with no stdio. It survives this process and its whole group being killed.
 */
export function spawnDetached(
  argv: string[],
  opts: {
    cwd: string;
    env?: Record<string, string>; /** appended with its stderr (a crash that skips its own log) */
    stderrFile?: string;
  },
): number {
  // sh opens the file and execs the program in its place: the pid is the program's.
  const run = opts.stderrFile
    ? ["/bin/sh", "-c", 'f=$1; shift; exec "$@" 2>>"$f"', "sh", opts.stderrFile, ...argv]
    : argv;
  const child = new Deno.Command(run[0], {
    args: run.slice(1),
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return child.pid;
}

/** This process's pid. */
export function selfPid(): number {
  return Deno.pid;
}

/** A signal by name, as the OS knows it. */
export type Signal = Deno.Signal;

/** Signal a whole process group; false when it no longer exists. */
export function killGroup(pgid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signal one process; false when it no longer exists. */
export function killProcess(pid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Is there an executable named `program` on PATH (or at that path)? */
export function onPath(program: string): boolean {
  const isExec = (p: string) => {
    try {
      const st = Deno.statSync(p);
      return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
    } catch {
      return false;
    }
  };
  if (program.includes("/")) return isExec(program);
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => dir && isExec(`${dir}/${program}`));
}

/** What the OS says of a process: when it started (as `ps` prints it), its parent and its group. */
export type ProcessFacts = { start: string; ppid: number; pgid: number };

/** How long `ps` may take before processFacts gives up on it. */
const PS_TIMEOUT_MS = 10_000;

/**
 * The facts of each of `pids` that is alive (from `ps`); undefined when `ps` cannot be run.
 * `ps` is started plainly, not in a session of its own through sys/spawn.ts: it starts nothing
 * that could outlive it, and a session host, which asks this once, then needs neither the FFI
 * spawner nor its modules (2 MB of each host's RSS, bench/fleet_bench.ts).
 */
export async function processFacts(pids: number[]): Promise<Map<number, ProcessFacts> | undefined> {
  const wanted = pids.filter((p) => Number.isInteger(p) && p > 1);
  const out = new Map<number, ProcessFacts>();
  if (!wanted.length) return out;
  let r: Deno.CommandOutput;
  try {
    r = await new Deno.Command("ps", {
      args: ["-o", "pid=,ppid=,pgid=,lstart=", "-p", wanted.join(",")],
      cwd: "/",
      env: { LC_ALL: "C", TZ: "UTC" },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(PS_TIMEOUT_MS),
    }).output();
  } catch {
    return undefined; // no ps, or one that hung
  }
  // ps exits 1 when none of the pids is alive.
  if (r.code !== 0 && r.code !== 1) return undefined;
  for (const line of new TextDecoder().decode(r.stdout).split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.+?)\s*$/.exec(line);
    if (m) out.set(Number(m[1]), { ppid: Number(m[2]), pgid: Number(m[3]), start: m[4] });
  }
  return out;
}

/** When the OS started `pid`, to record beside it; undefined when it cannot be told. */
export async function processStart(pid: number): Promise<string | undefined> {
  return (await processFacts([pid]))?.get(pid)?.start;
}

/** Is the process that started at `start` still running as `pid` (false for a stranger on that pid)? */
export async function processAlive(target: { pid: number; start?: string }): Promise<boolean> {
  const f = (await processFacts([target.pid]))?.get(target.pid);
  return !!f && (!target.start || f.start === target.start);
}

export type SignalOutcome =
  /** the process (or group) was signalled */
  | { kind: "signalled" }
  /** no such process any more */
  | { kind: "gone" }
  /** a process with that pid lives, but it is not the one recorded: left alone */
  | { kind: "stranger"; why: string }
  /** its identity cannot be checked (no recorded start time, no ps): left alone */
  | { kind: "unverified"; why: string };

/**
 * Signal the process `pid` that started at `start` (its whole group when `group`, which it must
 * lead), after checking with the OS that it is still that process. Never pid 1 or less.
 */
export async function signalVerified(
  target: { pid: number; start?: string },
  signal: Deno.Signal,
  opts: { group?: boolean } = {},
): Promise<SignalOutcome> {
  const { pid, start } = target;
  if (!Number.isInteger(pid) || pid <= 1) return { kind: "stranger", why: `pid ${pid} is never signalled` };
  if (!start) return { kind: "unverified", why: `no start time was recorded for pid ${pid}` };
  const facts = await processFacts([pid]);
  if (!facts) return { kind: "unverified", why: "ps is not available to check the process" };
  const f = facts.get(pid);
  if (!f) return { kind: "gone" };
  if (f.start !== start) return { kind: "stranger", why: `pid ${pid} started at ${f.start}, not ${start}` };
  if (opts.group && f.pgid !== pid) return { kind: "stranger", why: `pid ${pid} does not lead its process group` };
  const ok = opts.group ? killGroup(pid, signal) : killProcess(pid, signal);
  return ok ? { kind: "signalled" } : { kind: "gone" };
}

/**
 * The survivors of a dead leader's process group (its helpers, say): signalled only when the
 * leader `pid` is gone (the kernel never reuses a pid while a group of that id exists) or is
 * still the process recorded.
 */
export async function signalGroupOfGone(
  target: { pid: number; start?: string },
  signal: Deno.Signal,
): Promise<boolean> {
  const { pid, start } = target;
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const facts = await processFacts([pid]);
  if (!facts) return false;
  const f = facts.get(pid);
  if (f && (!start || f.start !== start)) return false; // the pid is someone else's now
  return killGroup(pid, signal);
}
