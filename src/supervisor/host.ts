/**
 * The session host (`looop _ host <id>`, started detached by startWorker): holds the session's
 * lock for as long as it lives, runs the runner's interactive command under a pseudo-terminal,
 * copies the terminal to output.log, types in the tells that nothing else delivered within the
 * grace, and records the exit.
 */
import { LooopError } from "../core/errors.ts";
import type { SessionMeta } from "../core/schemas.ts";
import { appendLines, listNames, openAppend, readTextIfExists, removeIfExists } from "../sys/fs.ts";
import { checked, readStateFile } from "../store/read.ts";
import { PROBE_GRACE_MS, tryLockExclusive } from "../sys/lock.ts";
import { killGroup, processFacts, selfPid } from "../sys/process.ts";
import { type PtyExit, spawnPty } from "../sys/pty.ts";
import { runActorGroup, untilAborted } from "../sys/actors.ts";
import { env as envVar, wholeEnv } from "../sys/env.ts";
import { watchUntil } from "../sys/watch.ts";
import type { DataDir } from "../store/layout.ts";
import { KILL_GRACE_MS, sessionFiles, writeExit, writeMeta } from "../store/sessions.ts";
import { claimTell, isAsking, pendingTells, TELL_GRACE_S, tellGraceMs } from "../store/tells.ts";
import type { Launch } from "./start.ts";

type InboxHandlers = {
  resize: (cols: number, rows: number) => void;
  /** `_ kill`: end the worker's process group (SIGTERM, SIGKILL after `graceMs`) */
  end: (graceMs: number) => void;
};

/**
 * Requests arrive as files in inbox/ (only looop writes there: the sandbox cannot); the host
 * carries out each and removes it. A kill request ends the worker's group, which the host knows
 * for sure as its own child (no pid read from a file).
 */
const KILL_REQUEST = checked("a kill request", (v): v is { grace_ms: number } => {
  const g = (v as { grace_ms?: unknown } | null)?.grace_ms;
  return typeof g === "number" && g >= 0;
});
const RESIZE_REQUEST = checked("a resize request", (v): v is { cols: number; rows: number } => {
  const r = v as { cols?: unknown; rows?: unknown } | null;
  return Number.isInteger(r?.cols) && Number.isInteger(r?.rows) && (r!.cols as number) > 0 && (r!.rows as number) > 0;
});
const LAUNCH = checked("a launch record", (v): v is Launch => {
  const l = v as Launch | null;
  return typeof l?.command === "string" && l.command !== "" && typeof l.runner === "string" &&
    Number.isInteger(l.cols) && Number.isInteger(l.rows);
});

async function drainInbox(inbox: string, on: InboxHandlers) {
  const { resize } = on;
  for (const name of await listNames(inbox)) {
    const path = `${inbox}/${name}`;
    if (name.endsWith(".kill.json")) {
      // A kill request that does not parse is still a kill request: the usual grace.
      const r = await readStateFile(path, KILL_REQUEST);
      on.end(r.kind === "parsed" ? r.value.grace_ms : KILL_GRACE_MS);
    } else if (name.endsWith(".resize.json")) {
      const r = await readStateFile(path, RESIZE_REQUEST);
      if (r.kind === "parsed") resize(r.value.cols, r.value.rows);
    }
    await removeIfExists(path);
  }
}

/**
 * Type in the worker's pending tells older than `graceMs`, oldest first, each followed by Enter;
 * none while a `_ ask` of the worker waits (they come with its answer). A tell `_ told` or an
 * answer delivered first is not typed: claiming it (store/tells.ts) succeeds once. What is in
 * tells/ but no tell record is noted once (`note`), never read through or typed.
 */
async function typeDueTells(
  dd: DataDir,
  id: string,
  graceMs: number,
  type: (s: string) => void,
  note: (skipped: string) => void,
): Promise<void> {
  const { tells, skipped } = await pendingTells(dd, id);
  for (const s of skipped) note(`skipped tells/${s.name}: ${s.why}`);
  const now = Date.now();
  const due = tells.filter((t) => now - Date.parse(t.ts) >= (t.grace_s === undefined ? graceMs : t.grace_s * 1000));
  if (!due.length || await isAsking(dd, id)) return;
  for (const t of due) {
    const told = await claimTell(dd, t, "typed", new Date());
    if (told) type(told.text + "\r");
  }
}

/**
 * `fn`, called so that no two runs overlap: a call made while one runs waits for it, then runs
 * (the inbox's poll and its watch both drain it). A run's error is dropped; the next still runs.
 */
export function oneAtATime(fn: () => Promise<void>): () => Promise<void> {
  let last = Promise.resolve();
  return () => last = last.then(fn).catch(() => {});
}

/** A worker that ends on its own sooner than this after its start had a reason to show. */
export const EARLY_EXIT_S = 10;

/**
 * The last non-blank lines of a session's screen (its output.log replayed), each at most 200 characters.
 * The terminal emulator is loaded here, for an early exit only: an idle host never carries it.
 */
async function lastScreenLines(output: string, cols: number, rows: number, n = 3): Promise<string[]> {
  const { SessionScreen } = await import("./screen.ts");
  const screen = new SessionScreen(output, cols, rows);
  try {
    await screen.update();
    return screen.lines().map((l) => l.trim()).filter(Boolean).slice(-n).map((l) => l.slice(0, 200));
  } finally {
    screen.dispose();
  }
}

export async function runHost(dd: DataDir, id: string): Promise<number> {
  const f = sessionFiles(dd, id);
  const lock = await tryLockExclusive(f.hostLock, PROBE_GRACE_MS);
  if (!lock) throw new LooopError(`session ${id} already has a host`, "");
  try {
    const read = await readStateFile(f.launch, LAUNCH);
    if (read.kind !== "parsed") {
      const what = read.kind === "absent"
        ? "has no launch.json"
        : `has a launch.json that does not parse (${read.error})`;
      throw new LooopError(`session ${id} ${what}`, "start it with `looop _ worker start`");
    }
    const launch = read.value;
    const env = wholeEnv({
      LOOOP_SESSION_ID: id,
      LOOOP_RUNNER: launch.runner,
      LOOOP_DATA_DIR: dd.root,
      TERM: "xterm-256color",
    });
    // The OS sandbox points this at the data dir's scratch/tmp for sensors; a worker keeps the user's own.
    if (env.CLAUDE_CODE_TMPDIR === dd.tmpDir) delete env.CLAUDE_CODE_TMPDIR;
    // Opened before the terminal exists: output that arrives while nobody listens is lost.
    const log = await openAppend(f.output, 0o600);
    const pty = spawnPty(["bash", "-c", launch.command], { cwd: dd.root, env, cols: launch.cols, rows: launch.rows });
    // The terminal's bytes go to output.log in order, one append per chunk.
    let writing = Promise.resolve();
    let lastData = Date.now();
    const enc = new TextEncoder();
    pty.onData((chunk) => {
      lastData = Date.now();
      const bytes = enc.encode(chunk);
      writing = writing.then(async () => {
        let off = 0;
        while (off < bytes.length) off += await log.write(bytes.subarray(off));
      });
    });
    // Recorded so that a pid read back from meta.json is signalled only while it is still this one.
    const host = selfPid();
    const starts = await processFacts([pty.pid, host]);
    let meta: SessionMeta = {
      id,
      runner: launch.runner,
      command: launch.command,
      pid: pty.pid,
      pid_start: starts?.get(pty.pid)?.start,
      host_pid: host,
      host_start: starts?.get(host)?.start,
      started: new Date().toISOString(),
      state: "running",
      cols: launch.cols,
      rows: launch.rows,
    };
    await writeMeta(dd, meta);

    let metaWrite = Promise.resolve();
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const end = (graceMs: number) => {
      if (killTimer) return;
      killGroup(pty.pid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(pty.pid, "SIGKILL"), graceMs);
    };
    let exit: PtyExit | undefined;
    // The terminal ends the group when its program exits; a SIGTERM to the host ends the program
    // (its group: SIGTERM, then SIGKILL after the usual grace).
    const terminal = async (stop: AbortSignal) => {
      const onStop = () => end(KILL_GRACE_MS);
      stop.addEventListener("abort", onStop, { once: true });
      exit = await pty.exited;
      stop.removeEventListener("abort", onStop); // its pid is reaped: never signal it later
      clearTimeout(killTimer);
      killGroup(pty.pid, "SIGKILL"); // whatever of its group outlived it (the pid is still reserved)
    };
    // Requests in inbox/: the watch wakes a drain at once, a poll covers a missed event. Each
    // drain first types in the tells whose grace is over (records on disk: those given before
    // this host started, or while no host looked, are found the same way).
    const graceText = envVar("LOOOP_TELL_GRACE_S");
    const graceMs = tellGraceMs(graceText) ?? TELL_GRACE_S * 1000;
    const noted = new Set<string>();
    const note = (line: string) => {
      if (noted.has(line)) return;
      noted.add(line);
      appendLines(f.hostLog, `${new Date().toISOString()} ${line}`).catch(() => {});
    };
    if (tellGraceMs(graceText) === undefined) {
      note(`LOOOP_TELL_GRACE_S must be a number of seconds, got '${graceText}': using ${TELL_GRACE_S}`);
    }
    const inbox = async (stop: AbortSignal) => {
      const resize = (cols: number, rows: number) => {
        pty.resize(cols, rows);
        // The size it has now, for `_ screenshot` and the last lines of an early exit.
        if (cols === meta.cols && rows === meta.rows) return;
        meta = { ...meta, cols, rows };
        metaWrite = metaWrite.then(() => writeMeta(dd, meta)).catch(() => {});
      };
      const on: InboxHandlers = { resize, end };
      // One drain at a time: the poll and the watch both drain, and two at once would both read a
      // request before either removed it (a resize applied twice).
      const drain = oneAtATime(async () => {
        await typeDueTells(dd, id, graceMs, (s) => pty.write(s), note)
          .catch((e) => note(`tells: ${e instanceof LooopError ? e.what : String(e)}`));
        await drainInbox(f.inbox, on);
      });
      const tick = setInterval(drain, 500);
      try {
        await watchUntil([f.inbox], stop, () => drain(), { recursive: false });
        await untilAborted(stop); // no watch: the poll alone, until the terminal ends
      } finally {
        clearInterval(tick);
      }
    };
    await runActorGroup({ terminal, inbox }, { stopOn: ["SIGTERM"], ignore: ["SIGHUP"] });
    // Output can trail the exit by a moment: wait until the terminal has been quiet briefly.
    for (let i = 0; i < 20 && Date.now() - lastData < 100; i++) await new Promise((r) => setTimeout(r, 50));
    await writing;
    await metaWrite;
    log.close();
    const killed = await readTextIfExists(f.killRequested).catch(() => "");
    // A CLI that ended by itself within seconds says why on its screen: its last lines are kept.
    const early = killed === undefined && Date.now() - Date.parse(meta.started) < EARLY_EXIT_S * 1000;
    const lastLines = early ? await lastScreenLines(f.output, meta.cols, meta.rows).catch(() => []) : [];
    await writeExit(dd, id, {
      code: exit?.code ?? null,
      signal: exit?.signal ?? null,
      ts: new Date().toISOString(),
      ...(lastLines.length ? { last_lines: lastLines } : {}),
    });
    await writeMeta(dd, {
      ...meta,
      state: killed === undefined ? "exited" : killed.startsWith("self") ? "done" : "killed",
    });
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    await appendLines(f.hostLog, `${new Date().toISOString()} ${msg.split("\n")[0]}`).catch(() => {});
    throw e;
  } finally {
    lock.release();
  }
}
