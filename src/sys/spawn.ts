/**
 * The one way looop runs a short-lived command (sensors, run_shell, the decide): in its own
 * process group, with a timeout that kills the whole group, an output cap, and the outcome as
 * data (exit code, output, stderr tail), never an exception.
 */
import { spawn } from "node:child_process";
import process from "node:process";

export type RunOutcome =
  | { kind: "exited"; code: number | null; signal: string | null }
  | { kind: "timeout" }
  | { kind: "overflow" }
  | { kind: "spawn-error"; message: string };

export type RunResult = {
  outcome: RunOutcome;
  /** stdout, at most maxStdoutBytes */
  stdout: Uint8Array;
  /** the last stderrTailBytes of stderr */
  stderrTail: string;
  ms: number;
};

export type RunOptions = {
  cwd: string;
  /** added to (or replacing) the inherited environment */
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  maxStdoutBytes?: number;
  stderrTailBytes?: number;
  /** every stdout chunk as it arrives (for streaming logs) */
  onStdout?: (chunk: Uint8Array) => void;
  /** grace between SIGTERM and SIGKILL of the group on timeout */
  killGraceMs?: number;
};

function killGroup(pid: number, signal: "SIGTERM" | "SIGKILL") {
  try {
    process.kill(-pid, signal);
  } catch { /* already gone */ }
}

export function runProcess(argv: string[], opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const max = opts.maxStdoutBytes ?? Infinity;
  const tailMax = opts.stderrTailBytes ?? 2048;
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let stderr = new Uint8Array(0);
    let settled = false;
    let outcome: RunOutcome | undefined;
    let child: ReturnType<typeof spawn>;
    const finish = (o: RunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      const stdout = new Uint8Array(Math.min(size, max === Infinity ? size : max));
      let off = 0;
      for (const c of chunks) {
        const take = Math.min(c.length, stdout.length - off);
        stdout.set(c.subarray(0, take), off);
        off += take;
        if (off >= stdout.length) break;
      }
      resolve({ outcome: o, stdout, stderrTail: new TextDecoder().decode(stderr), ms: performance.now() - t0 });
    };
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = (o: RunOutcome) => {
      if (outcome) return;
      outcome = o;
      if (child.pid) killGroup(child.pid, "SIGTERM");
      graceTimer = setTimeout(() => {
        if (child.pid) killGroup(child.pid, "SIGKILL");
        finish(o);
      }, opts.killGraceMs ?? 1000);
    };
    const timer = setTimeout(() => stop({ kind: "timeout" }), opts.timeoutMs);
    try {
      child = spawn(argv[0], argv.slice(1), {
        cwd: opts.cwd,
        detached: true, // its own process group, so a timeout can kill everything it started
        stdio: ["pipe", "pipe", "pipe"],
        env: opts.env ? { ...process.env, ...opts.env } : undefined,
      });
    } catch (e) {
      finish({ kind: "spawn-error", message: e instanceof Error ? e.message : String(e) });
      return;
    }
    child.on("error", (e) => finish({ kind: "spawn-error", message: e.message }));
    child.stdout!.on("data", (b: Uint8Array) => {
      const chunk = new Uint8Array(b);
      opts.onStdout?.(chunk);
      if (size <= max) chunks.push(chunk);
      size += chunk.length;
      if (size > max) stop({ kind: "overflow" });
    });
    child.stderr!.on("data", (b: Uint8Array) => {
      const merged = new Uint8Array(stderr.length + b.length);
      merged.set(stderr);
      merged.set(b, stderr.length);
      stderr = merged.length > tailMax ? merged.slice(merged.length - tailMax) : merged;
    });
    child.stdin!.on("error", () => {}); // a command that does not read its stdin
    child.stdin!.end(opts.stdin ?? "");
    child.on("exit", (code, signal) => {
      if (outcome) {
        // Stopped for a timeout or overflow: the process is gone, so the rest of its group goes now.
        if (child.pid) killGroup(child.pid, "SIGKILL");
        finish(outcome);
        return;
      }
      // Leftovers that still hold the pipes open go with the group; give the pipes a moment.
      const done = { kind: "exited", code, signal: signal ?? null } as const;
      const closeWait = setTimeout(() => {
        if (child.pid) killGroup(child.pid, "SIGKILL");
        finish(done);
      }, 500);
      child.on("close", () => {
        clearTimeout(closeWait);
        if (child.pid) killGroup(child.pid, "SIGKILL");
        finish(done);
      });
    });
  });
}
