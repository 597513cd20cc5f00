/**
 * flock(2) locks on files. The kernel releases them when the holder dies, even by SIGKILL, which
 * makes them the liveness test for the pulse and for every session host: no PID files, no reuse.
 */
import { assertNoLink, fsError } from "./fs.ts";

export type Held = { release(): void };

async function openLockFile(path: string): Promise<Deno.FsFile> {
  assertNoLink(path);
  try {
    return await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (e) {
    throw fsError(e, "lock", path);
  }
}

function held(file: Deno.FsFile): Held {
  let done = false;
  return {
    release() {
      if (done) return;
      done = true;
      file.close(); // closing the descriptor drops the flock
    },
  };
}

/** Take an exclusive lock, waiting for it. */
export async function lockExclusive(path: string): Promise<Held> {
  const file = await openLockFile(path);
  await file.lock(true);
  return held(file);
}

/**
 * Take an exclusive lock if free; undefined when another holds it. `graceMs`: keep trying that
 * long, for a liveness lock, which isLockHeld's shared probe holds for an instant (a `_ state` or
 * the starter watching for the host): a real holder holds it for good, a probe lets go at once.
 */
export async function tryLockExclusive(path: string, graceMs = 0): Promise<Held | undefined> {
  const file = await openLockFile(path);
  const until = Date.now() + graceMs;
  while (true) {
    if (await file.tryLock(true)) return held(file);
    if (Date.now() >= until) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  file.close();
  return undefined;
}

/** How long a liveness lock's new holder waits out probes before it concludes the lock is taken. */
export const PROBE_GRACE_MS = 1000;

/** Run `fn` while holding the exclusive lock at `path`. */
export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = await lockExclusive(path);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Take a shared lock, waiting only while it is held exclusively: any number of holders share it. */
export async function lockShared(path: string): Promise<Held> {
  const file = await openLockFile(path);
  await file.lock(false);
  return held(file);
}

/**
 * Does anyone hold a lock on `path`, shared or exclusive? An exclusive probe that lets go at once
 * (a shared taker meanwhile waits for that instant only). A missing file is held by nobody.
 */
export function isLockInUse(path: string): Promise<boolean> {
  return Promise.resolve(probeFails(path, true));
}

/** Is an exclusive lock on `path` held by someone (another process, or another descriptor)? */
export function isLockHeld(path: string): Promise<boolean> {
  // A shared probe: it fails only while an exclusive holder lives, and never blocks other probes.
  return Promise.resolve(probeFails(path, false));
}

/** Does a lock of this kind on `path`, taken and let go at once, fail? A missing file: no. */
function probeFails(path: string, exclusive: boolean): boolean {
  assertNoLink(path);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw fsError(e, "read", path);
  }
  try {
    return !file.tryLockSync(exclusive);
  } finally {
    file.close();
  }
}
