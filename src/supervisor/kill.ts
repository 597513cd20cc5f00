/**
 * Ending a worker (SPEC §8): SIGTERM to the worker's whole process group, SIGKILL after a grace
 * period, so nothing it started is left behind. Liveness is the host's lock, never a bare PID.
 */
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { exists, writeFileAtomic } from "../sys/fs.ts";
import { killGroup, killProcess } from "../sys/process.ts";
import { waitFor } from "../sys/watch.ts";
import type { DataDir } from "../store/layout.ts";
import { isSessionAlive, PULSE_ID, readSession, sessionFiles, writeExit, writeMeta } from "../store/sessions.ts";

export const KILL_GRACE_MS = 5000;

export type KillOutcome = { kind: "killed"; forced: boolean } | { kind: "already-ended"; state: string };

/**
 * Is `pid` still the worker a dead host left behind? Its liveness lock is gone, so the PID alone
 * could have been reused: it counts only while it still leads its own session and process group
 * (as the terminal made it) and started when the session did.
 */
async function isOrphanedWorker(pid: number, started: string): Promise<boolean> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "pgid=,sess=,lstart=", "-p", String(pid)],
    stdout: "piped",
    stderr: "null",
  })
    .output().catch(() => undefined);
  const m = /^\s*(\d+)\s+(\d+)\s+(.+)$/.exec(out ? new TextDecoder().decode(out.stdout).trim() : "");
  if (!m || Number(m[1]) !== pid || Number(m[2]) !== pid) return false;
  const startedMs = Date.parse(m[3]);
  return Number.isFinite(startedMs) && Math.abs(startedMs - Date.parse(started)) < 10_000;
}

async function endedWithin(dd: DataDir, id: string, ms: number): Promise<boolean> {
  const r = await waitFor([sessionFiles(dd, id).dir], async () => (await isSessionAlive(dd, id)) ? undefined : true, {
    timeoutMs: ms,
    pollMs: 50,
  });
  return r.kind === "ready";
}

export async function killSession(dd: DataDir, id: string, graceMs = KILL_GRACE_MS): Promise<KillOutcome> {
  safeId("session", id);
  if (id === PULSE_ID) {
    throw new LooopError("_ kill refuses the pulse", "stop the pulse with `looop down`", Exit.gate);
  }
  const f = sessionFiles(dd, id);
  if (!(await exists(f.dir))) {
    throw new LooopError(`no session '${id}'`, "see `looop _ sessions`", Exit.refused);
  }
  const s = await readSession(dd, id);
  if (s.status.kind === "dead" && s.meta && await isOrphanedWorker(s.meta.pid, s.meta.started)) {
    // The host died but its worker ignored the hang-up: end the worker's group now.
    killGroup(s.meta.pid, "SIGTERM");
    await new Promise((r) => setTimeout(r, Math.min(graceMs, 1000)));
    killGroup(s.meta.pid, "SIGKILL");
    await writeMeta(dd, { ...s.meta, state: "killed" });
    if (!s.exit) await writeExit(dd, id, { code: null, signal: "SIGKILL", ts: new Date().toISOString() });
    return { kind: "killed", forced: true };
  }
  if (s.status.kind !== "running") return { kind: "already-ended", state: s.status.kind };
  const pid = s.meta?.pid;
  await writeFileAtomic(f.killRequested, new Date().toISOString() + "\n");
  if (pid) killGroup(pid, "SIGTERM");
  else if (s.meta?.host_pid) killProcess(s.meta.host_pid, "SIGTERM");
  let forced = false;
  if (!(await endedWithin(dd, id, graceMs))) {
    forced = true;
    if (pid) killGroup(pid, "SIGKILL");
    // The host records the exit once its terminal's process is gone; only a stuck host is killed.
    if (!(await endedWithin(dd, id, 2000)) && s.meta?.host_pid) {
      killProcess(s.meta.host_pid, "SIGKILL");
      await endedWithin(dd, id, 2000);
    }
  }
  // Whatever of the group survived SIGTERM (a child that ignores it) goes now.
  if (pid) killGroup(pid, "SIGKILL");
  const after = await readSession(dd, id);
  if (!after.exit) await writeExit(dd, id, { code: null, signal: "SIGKILL", ts: new Date().toISOString() });
  if (after.meta && after.meta.state === "running") await writeMeta(dd, { ...after.meta, state: "killed" });
  return { kind: "killed", forced };
}
