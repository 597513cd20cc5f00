/**
 * A program under a pseudo-terminal, through node-pty (prebuilt, loaded with --allow-ffi).
 * The child gets its own session with the terminal as its controlling tty, so its pid is also
 * its process group: signalling -pid reaches everything it started.
 */
import * as nodePty from "@lydell/node-pty";

export type PtyExit = { code: number | null; signal: string | null };

export type Pty = {
  pid: number;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  onData(fn: (chunk: string) => void): void;
  exited: Promise<PtyExit>;
};

const SIGNAL_NAMES: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 9: "SIGKILL", 15: "SIGTERM" };

export function spawnPty(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; cols: number; rows: number },
): Pty {
  const p = nodePty.spawn(argv[0], argv.slice(1), {
    name: opts.env.TERM ?? "xterm-256color",
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd,
    env: opts.env,
  });
  const exited = new Promise<PtyExit>((resolve) => {
    p.onExit(({ exitCode, signal }) => {
      resolve(
        signal ? { code: null, signal: SIGNAL_NAMES[signal] ?? `signal ${signal}` } : { code: exitCode, signal: null },
      );
    });
  });
  return {
    pid: p.pid,
    write: (d) => p.write(d),
    resize: (c, r) => p.resize(c, r),
    onData: (fn) => void p.onData(fn),
    exited,
  };
}
