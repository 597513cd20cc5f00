/** Processes that must outlive looop, and killing whole process groups. */
/**
 * Start `argv` in a new session and process group, detached from this process and its terminal,
 * with no stdio. It survives this process and its whole group being killed.
 */
export function spawnDetached(argv: string[], opts: { cwd: string; env?: Record<string, string> }): number {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
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
