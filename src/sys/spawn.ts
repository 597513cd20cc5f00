/**
 * The one way looop runs a short-lived command (sensors, run_shell, the decide): in its own
 * process group, with a timeout that kills the whole group, an output cap, and the outcome as
 * data (exit code, output, stderr tail), never an exception.
 * The child gets its own session and process group (pid = pgid = sid) from posix_spawn's
 * POSIX_SPAWN_SETSID where glibc has it (sys/posix_spawn.ts: the cost of a plain spawn); else from
 * util-linux's `setsid` (an extra exec: 1.7x a plain spawn, 20 commands at once from a 100 MB
 * process); else (macOS) from `detached: true`, which forks the whole looop process (3.5x).
 * (Deno 2.9 ignores `detached` in `.output()`.)
 */
import { forgetVerified } from "./fs.ts";
import { killGroup } from "./process.ts";
import {
  type ByteWriter,
  type ChunkReader,
  type SessionChild,
  sessionSpawner,
  type SessionSpawnOptions,
} from "./posix_spawn.ts";

/** util-linux's setsid, if this machine has it. */
const SETSID = ["/usr/bin/setsid", "/bin/setsid"].find((p) => {
  try {
    return (Deno.statSync(p).mode ?? 0) & 0o111;
  } catch {
    return false;
  }
});

/** setsid's own "could not exec" message, which stands for a spawn error of the command. */
const SETSID_FAILED = /^setsid: failed to execute (.*)$/m;

export type RunOutcome =
  | { kind: "exited"; code: number | null; signal: string | null }
  | { kind: "timeout" }
  /** `signal` was aborted: the group was ended */
  | { kind: "aborted" }
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
  /** added to the inherited environment (or, with clearEnv, the whole environment) */
  env?: Record<string, string>;
  /** the command gets `env` alone (least privilege for sandboxed code), not looop's environment */
  clearEnv?: boolean;
  stdin?: string;
  timeoutMs: number;
  maxStdoutBytes?: number;
  stderrTailBytes?: number;
  /** every stdout chunk as it arrives (for streaming logs) */
  onStdout?: (chunk: Uint8Array) => void;
  /** grace between SIGTERM and SIGKILL of the group on timeout */
  killGraceMs?: number;
  /** how to start the session: the cheapest this OS has unless a test or benchmark compares them */
  way?: SessionWay;
  /** aborting it ends the command's whole group, as a timeout does (the pulse shutting down) */
  signal?: AbortSignal;
  /** the command's pid (its group's id) once it started, to record it for whoever comes next */
  onSpawn?: (pid: number) => void;
};

/**
 * Read a command's output to the end, keeping at most `max` bytes from the start (or the end, for
 * tails); `stop` settling ends the reading early with what has arrived.
 */
async function drain(
  reader: ChunkReader,
  opts: {
    max: number;
    keep: "head" | "tail";
    stop: Promise<null>;
    onChunk?: (c: Uint8Array) => void;
    onOverflow?: () => void;
  },
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const next = () => {
    const read = reader.read();
    read.catch(() => {}); // a read left behind by `stop` fails once the reader is closed
    return Promise.race([read, opts.stop]);
  };
  try {
    for (let c = await next(); c; c = await next()) {
      const chunk = c.slice();
      opts.onChunk?.(chunk);
      parts.push(chunk);
      size += chunk.length;
      if (opts.keep === "head" && size > opts.max) {
        opts.onOverflow?.();
        break;
      }
      if (opts.keep === "tail") {
        while (size - parts[0].length >= opts.max) size -= parts.shift()!.length;
      }
    }
  } catch {
    /* the output broke: keep what arrived */
  } finally {
    reader.close();
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return opts.keep === "head" ? all.subarray(0, Math.min(size, opts.max)) : all.subarray(Math.max(0, size - opts.max));
}

/** How long output is read after the command's group is gone. */
const LEFTOVER_OUTPUT_MS = 2000;

/** The ways to start a command in a session of its own, cheapest first. */
export type SessionWay = "posix_spawn" | "setsid" | "detached";

/** The ways this machine has, cheapest first. */
export function availableSessionWays(): SessionWay[] {
  return [
    ...(sessionSpawner() ? ["posix_spawn" as const] : []),
    ...(SETSID ? ["setsid" as const] : []),
    "detached",
  ];
}

function startInSession(argv: string[], opts: SessionSpawnOptions, way: SessionWay): SessionChild {
  const spawn = way === "posix_spawn" && sessionSpawner();
  if (spawn) return spawn(argv, opts);
  const setsid = way === "setsid" ? SETSID : undefined;
  const child = new Deno.Command(setsid ?? argv[0], {
    args: setsid ? argv : argv.slice(1),
    detached: !setsid,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: opts.clearEnv,
    stdin: opts.stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return {
    pid: child.pid,
    stdin: opts.stdin === "piped" ? streamWriter(child.stdin) : undefined,
    stdout: streamReader(child.stdout),
    stderr: streamReader(child.stderr),
    status: child.status,
  };
}

function streamReader(stream: ReadableStream<Uint8Array>): ChunkReader {
  const reader = stream.getReader();
  return {
    read: async () => (await reader.read()).value ?? null,
    close: () => void reader.cancel().catch(() => {}),
  };
}

function streamWriter(stream: WritableStream<Uint8Array>): ByteWriter {
  const writer = stream.getWriter();
  return { writeAll: (data) => writer.write(data), close: () => void writer.close().catch(() => {}) };
}

export async function runProcess(argv: string[], opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const max = opts.maxStdoutBytes ?? Infinity;
  let child: SessionChild;
  const ways = availableSessionWays();
  const way = opts.way && ways.includes(opts.way) ? opts.way : ways[0];
  try {
    const stdin = opts.stdin === undefined ? "null" : "piped";
    child = startInSession(argv, { cwd: opts.cwd, env: opts.env, clearEnv: opts.clearEnv, stdin }, way);
  } catch (e) {
    return {
      outcome: { kind: "spawn-error", message: e instanceof Error ? e.message : String(e) },
      stdout: new Uint8Array(),
      stderrTail: "",
      ms: performance.now() - t0,
    };
  }
  const pid = child.pid;
  let stopped: RunOutcome | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (o: RunOutcome) => {
    if (stopped) return;
    stopped = o;
    killGroup(pid, "SIGTERM");
    graceTimer = setTimeout(() => killGroup(pid, "SIGKILL"), opts.killGraceMs ?? 1000);
  };
  const timer = setTimeout(() => stop({ kind: "timeout" }), opts.timeoutMs);
  const onAbort = () => stop({ kind: "aborted" });
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  opts.onSpawn?.(pid);
  const writer = (async () => {
    if (!child.stdin) return;
    try {
      await child.stdin.writeAll(new TextEncoder().encode(opts.stdin ?? ""));
    } catch {
      /* a command that does not read its stdin */
    } finally {
      child.stdin.close();
    }
  })();
  const { promise: readingEnds, resolve: endReading } = Promise.withResolvers<null>();
  const out = drain(child.stdout, {
    max: max === Infinity ? Number.MAX_SAFE_INTEGER : max,
    keep: "head",
    stop: readingEnds,
    onChunk: opts.onStdout,
    onOverflow: () => stop({ kind: "overflow" }),
  });
  const err = drain(child.stderr, { max: opts.stderrTailBytes ?? 2048, keep: "tail", stop: readingEnds });
  const status = await child.status;
  clearTimeout(timer);
  opts.signal?.removeEventListener("abort", onAbort);
  forgetVerified(); // the command may have swapped a folder of the data dir for a link
  // The process is gone: whatever else of its group is left (holding the pipes open) goes now.
  killGroup(pid, "SIGKILL");
  clearTimeout(graceTimer);
  // Output still open now is held by a process that left the group (it called setsid itself): read
  // on for a moment, then stop, so that it cannot hold up the beat.
  const late = setTimeout(() => endReading(null), LEFTOVER_OUTPUT_MS);
  const [stdout, stderr] = await Promise.all([out, err, Promise.race([writer, readingEnds])]);
  clearTimeout(late);
  const stderrTail = new TextDecoder().decode(stderr);
  const failed = way === "setsid" && (status.code === 126 || status.code === 127)
    ? SETSID_FAILED.exec(stderrTail)
    : null;
  if (failed && !stopped) {
    return { outcome: { kind: "spawn-error", message: failed[1] }, stdout, stderrTail: "", ms: performance.now() - t0 };
  }
  const outcome: RunOutcome = stopped ??
    (status.signal
      ? { kind: "exited", code: null, signal: status.signal }
      : { kind: "exited", code: status.code, signal: null });
  return { outcome, stdout, stderrTail, ms: performance.now() - t0 };
}
