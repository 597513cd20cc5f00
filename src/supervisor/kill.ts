/**
 * Ending a worker (SPEC §8): SIGTERM to the worker's whole process group, SIGKILL after a grace
 * period, so nothing it started is left behind. Liveness is the host's lock, never a bare PID.
 */
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import type { KillOutcome } from "../core/schemas.ts";
import { exists, writeFileAtomic } from "../sys/fs.ts";
import { type Signal, signalGroupOfGone, type SignalOutcome, signalVerified } from "../sys/process.ts";
import { waitFor } from "../sys/watch.ts";
import type { DataDir } from "../store/layout.ts";
import {
  isSessionAlive,
  KILL_GRACE_MS,
  PULSE_ID,
  readSession,
  sessionFiles,
  writeExit,
  writeMeta,
} from "../store/sessions.ts";
import { requestEnd } from "./tell.ts";

async function endedWithin(dd: DataDir, id: string, ms: number): Promise<boolean> {
  const r = await waitFor([sessionFiles(dd, id).dir], async () => (await isSessionAlive(dd, id)) ? undefined : true, {
    timeoutMs: ms,
    pollMs: 50,
  });
  return r.kind === "ready";
}

/**
 * End session `id`. `self`: the worker ends itself (the worker contract's last step), recorded as
 * done rather than killed by a human.
 */
export async function killSession(
  dd: DataDir,
  id: string,
  graceMs = KILL_GRACE_MS,
  opts: { self?: boolean } = {},
): Promise<KillOutcome> {
  safeId("session", id);
  if (id === PULSE_ID) {
    throw new LooopError("_ kill refuses the pulse", "stop the pulse with `looop down`", Exit.gate);
  }
  const f = sessionFiles(dd, id);
  if (!(await exists(f.dir))) {
    throw new LooopError(`no session '${id}'`, "see `looop _ sessions`", Exit.refused);
  }
  const s = await readSession(dd, id);
  const worker = s.meta ? { pid: s.meta.pid, start: s.meta.pid_start } : undefined;
  const host = s.meta ? { pid: s.meta.host_pid, start: s.meta.host_start } : undefined;
  const group = (sig: Signal) => worker ? signalVerified(worker, sig, { group: true }) : Promise.resolve(none);
  if (s.status.kind === "dead" && worker) {
    // The host died, but its worker may have ignored the hang-up: end the worker's group, if it
    // is still that worker (its recorded start time), never a process that reused the pid.
    const first = await group("SIGTERM");
    if (first.kind === "stranger" || first.kind === "unverified") return { kind: "not-signalled", why: first.why };
    if (first.kind === "gone") return { kind: "already-ended", state: "dead" };
    await new Promise((r) => setTimeout(r, Math.min(graceMs, 1000)));
    await group("SIGKILL");
    await writeMeta(dd, { ...s.meta!, state: "killed" });
    if (!s.exit) await writeExit(dd, id, { code: null, signal: "SIGKILL", ts: new Date().toISOString() });
    return { kind: "killed", forced: true };
  }
  if (s.status.kind !== "running") return { kind: "already-ended", state: s.status.kind };
  // Its lock is held, but no host of looop's recorded the session: nothing here can be signalled.
  if (!s.meta) return { kind: "not-signalled", why: "its lock is held by a process that recorded no meta.json" };
  await writeFileAtomic(f.killRequested, `${opts.self ? "self " : ""}${new Date().toISOString()}\n`);
  // The live host ends its own child, which it knows for sure: no pid read from a file is needed.
  await requestEnd(dd, id, graceMs);
  let forced = false;
  if (!(await endedWithin(dd, id, graceMs))) {
    forced = true;
    // The host sends SIGKILL now too; if it is stuck itself, the recorded pids are used, verified.
    const asked = await group("SIGKILL");
    if (!(await endedWithin(dd, id, 2000))) {
      if (asked.kind === "stranger" || asked.kind === "unverified") return { kind: "not-signalled", why: asked.why };
      if (host) await signalVerified(host, "SIGKILL");
      await endedWithin(dd, id, 2000);
    }
  }
  // Whatever of the group survived (a child that ignores SIGTERM) goes now.
  if (worker) await signalGroupOfGone(worker, "SIGKILL");
  const after = await readSession(dd, id);
  if (!after.exit) await writeExit(dd, id, { code: null, signal: "SIGKILL", ts: new Date().toISOString() });
  if (after.meta && after.meta.state === "running") {
    await writeMeta(dd, { ...after.meta, state: opts.self ? "done" : "killed" });
  }
  return { kind: "killed", forced };
}

const none: SignalOutcome = { kind: "gone" };
