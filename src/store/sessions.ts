/**
 * sessions/<id>/: a worker's (or the pulse's) meta.json, exit.json, output.log, prompt.md and tells/.
 * A session is alive while its host holds the flock on `host.lock` (the pulse: the data dir's
 * `.lock`). The kernel drops the lock when the host dies, so liveness never trusts a stale PID.
 */
import type { SessionExit, SessionMeta, SessionVerify } from "../core/schemas.ts";
import { exists, listNames, readJson, statIfExists, writeFileAtomic } from "../sys/fs.ts";
import { checked, readStateFile, type StateRead } from "./read.ts";
import { isLockHeld } from "../sys/lock.ts";
import type { DataDir } from "./layout.ts";

export const PULSE_ID = "pulse";

export function sessionFiles(dd: DataDir, id: string) {
  const dir = dd.session(id);
  return {
    dir,
    hostLock: id === PULSE_ID ? dd.pulseLock : `${dir}/host.lock`,
    meta: `${dir}/meta.json`,
    exit: `${dir}/exit.json`,
    output: `${dir}/output.log`,
    prompt: `${dir}/prompt.md`,
    /** what the host runs: {runner, command, cols, rows, verify?}, written by the starter */
    launch: `${dir}/launch.json`,
    /** the result of the worker's `verify` command, once it ended (SessionVerify) */
    verify: `${dir}/verify.json`,
    /** requests for the host (`_ kill`, a resize), one file each, consumed by the host */
    inbox: `${dir}/inbox`,
    /** what humans told the worker (`_ tell`), one record each, pending until delivered (store/tells.ts) */
    tells: `${dir}/tells`,
    tellsDelivered: `${dir}/tells/delivered`,
    /** held (shared) by each `_ ask` of this worker while it waits: its tells then come with the answer */
    asking: `${dir}/asking.lock`,
    /** present once `_ kill` asked the session to end; it reads "self" when the worker ended itself */
    killRequested: `${dir}/kill-requested`,
    /** the host's own errors, if any */
    hostLog: `${dir}/host.log`,
    /** the host process's stderr: what a crash before its own error handling printed */
    hostErr: `${dir}/host.err`,
    /** the pulse only: the decide in flight (store/inflight.ts) */
    decide: `${dir}/decide.json`,
  };
}

export function isSessionAlive(dd: DataDir, id: string): Promise<boolean> {
  return isLockHeld(sessionFiles(dd, id).hostLock);
}

/** What a session is now: running (host alive), or ended as exited, killed, done (by itself) or dead (host vanished). */
export type SessionStatus =
  | { kind: "running" }
  | { kind: "exited"; code: number | null }
  | { kind: "killed" }
  /** the worker ended itself (`_ kill` of its own id, as the worker contract asks) */
  | { kind: "done" }
  | { kind: "dead" };

export type SessionView = {
  id: string;
  status: SessionStatus;
  meta: SessionMeta | undefined;
  exit: SessionExit | undefined;
  /** its `verify` command's result, once run (absent: none asked, or not run yet) */
  verify: SessionVerify | undefined;
  /** when its terminal last printed: output.log's mtime (the host appends every chunk), else none */
  lastOutputAt: Date | undefined;
  /** its files that did not parse, with why */
  corrupt?: string[];
};

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const META = checked(
  "a session meta",
  (v): v is SessionMeta =>
    isObject(v) && typeof v.id === "string" && Number.isInteger(v.pid) && Number.isInteger(v.host_pid) &&
    typeof v.started === "string" && typeof v.state === "string",
);
const VERIFY = checked(
  "a verify result",
  (v): v is SessionVerify =>
    isObject(v) && typeof v.ok === "boolean" && (v.code === null || Number.isInteger(v.code)) &&
    typeof v.status === "string" && typeof v.tail === "string" && typeof v.ts === "string",
);
const EXIT = checked(
  "a session exit",
  (v): v is SessionExit => isObject(v) && (v.code === null || Number.isInteger(v.code)) && typeof v.ts === "string",
);

/**
 * A meta.json that does not parse gives no pid: nothing of the session is ever signalled from it
 * (kill says so), and its status comes from the lock and exit.json alone. Said in `corrupt`.
 */
const value = <T>(r: StateRead<T>, file: string, corrupt: string[]): T | undefined => {
  if (r.kind === "corrupt") corrupt.push(`${file}: ${r.error}`);
  return r.kind === "parsed" ? r.value : undefined;
};

export async function readSession(dd: DataDir, id: string): Promise<SessionView> {
  const f = sessionFiles(dd, id);
  const [alive, metaRead, exitRead, verifyRead] = await Promise.all([
    isSessionAlive(dd, id),
    readStateFile(f.meta, META),
    readStateFile(f.exit, EXIT),
    readStateFile(f.verify, VERIFY),
  ]);
  const corrupt: string[] = [];
  const meta = value(metaRead, "meta.json", corrupt);
  const exit = value(exitRead, "exit.json", corrupt);
  const verify = value(verifyRead, "verify.json", corrupt);
  let status: SessionStatus;
  if (alive) status = { kind: "running" };
  else if (meta?.state === "killed") status = { kind: "killed" };
  else if (meta?.state === "done") status = { kind: "done" };
  else if (exit) status = { kind: "exited", code: exit.code ?? null };
  else status = { kind: "dead" };
  return {
    id,
    status,
    meta,
    exit,
    verify,
    lastOutputAt: lastOutputAt(f.output),
    ...(corrupt.length ? { corrupt } : {}),
  };
}

/** When a session last printed, or (nothing printed yet) when it started: what its silence is counted from. */
export function lastOutput(s: SessionView): Date | undefined {
  if (s.lastOutputAt) return s.lastOutputAt;
  const started = s.meta?.started ? new Date(s.meta.started) : undefined;
  return started && Number.isFinite(started.getTime()) ? started : undefined;
}

/** output.log's mtime; a link planted there (or anything unreadable) gives none, never followed. */
function lastOutputAt(output: string): Date | undefined {
  try {
    return statIfExists(output)?.mtime ?? undefined;
  } catch {
    return undefined;
  }
}

/** The pulse first (when it has ever run), then every worker session. */
export async function listSessions(dd: DataDir): Promise<SessionView[]> {
  const ids = await listNames(dd.sessionsDir);
  const ordered = [...ids.filter((i) => i === PULSE_ID), ...ids.filter((i) => i !== PULSE_ID)];
  return Promise.all(ordered.map((id) => readSession(dd, id)));
}

export async function writeMeta(dd: DataDir, meta: SessionMeta): Promise<void> {
  await writeFileAtomic(sessionFiles(dd, meta.id).meta, JSON.stringify(meta, null, 2) + "\n");
}

export async function writeVerify(dd: DataDir, id: string, result: SessionVerify): Promise<void> {
  await writeFileAtomic(sessionFiles(dd, id).verify, JSON.stringify(result) + "\n", 0o600);
}

/** The `verify` command its launch.json names, if any (the starter wrote it; sandboxed code cannot see sessions/). */
export async function verifyCommand(dd: DataDir, id: string): Promise<string | undefined> {
  const r = await readJson(sessionFiles(dd, id).launch);
  const v = r.kind === "parsed" && isObject(r.value) ? r.value.verify : undefined;
  return typeof v === "string" && v.trim() ? v : undefined;
}

export async function writeExit(dd: DataDir, id: string, exit: SessionExit): Promise<void> {
  await writeFileAtomic(sessionFiles(dd, id).exit, JSON.stringify(exit) + "\n");
}

/** Ids of the worker sessions whose host is alive now. */
export async function liveWorkers(dd: DataDir): Promise<string[]> {
  const ids = (await listNames(dd.sessionsDir)).filter((id) => id !== PULSE_ID);
  const alive = await Promise.all(ids.map((id) => isSessionAlive(dd, id)));
  return ids.filter((_, i) => alive[i]);
}

/** How long a worker's host may take from its launch file to its meta. */
export const HOST_START_MS = 15_000;

/** How long a worker being ended has between SIGTERM and SIGKILL to its process group. */
export const KILL_GRACE_MS = 5000;

/**
 * Ids of the workers being started right now: launched (launch.json written) within HOST_START_MS,
 * but with no host holding the lock and no meta yet.
 */
export async function startingWorkers(dd: DataDir, now = Date.now()): Promise<string[]> {
  const ids = (await listNames(dd.sessionsDir)).filter((id) => id !== PULSE_ID);
  const out: string[] = [];
  for (const id of ids) {
    const f = sessionFiles(dd, id);
    const launched = statIfExists(f.launch)?.mtime?.getTime();
    if (launched === undefined || now - launched > HOST_START_MS) continue;
    if (await exists(f.meta) || await isSessionAlive(dd, id)) continue;
    out.push(id);
  }
  return out;
}
