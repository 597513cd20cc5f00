/** flock(2) locks (SPEC §2, §8): the liveness test of the pulse and of every session host. */
import { assert, assertEquals } from "../assert.ts";
import { isLockHeld, tryLockExclusive, withLock } from "../../src/sys/lock.ts";
import { holdSessionLock, killHolder, withTempDir } from "../helpers.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir("looop-lock-test-", fn);

Deno.test("tryLockExclusive takes a free lock, and again after release", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.lock`;
    const first = await tryLockExclusive(path);
    assert(first !== undefined, "a free lock is taken");
    assertEquals(await tryLockExclusive(path), undefined, "a held lock is not taken twice, even in-process");
    first.release();
    first.release(); // idempotent
    const again = await tryLockExclusive(path);
    assert(again !== undefined, "a released lock is free again");
    again.release();
  });
});

Deno.test("tryLockExclusive fails while another process holds the lock, and succeeds once it is killed", async () => {
  await withDir(async (dir) => {
    const holder = await holdSessionLock(dir, "w1");
    const path = `${dir}/sessions/w1/host.lock`;
    try {
      assertEquals(await tryLockExclusive(path), undefined);
    } finally {
      await killHolder(holder);
    }
    const mine = await tryLockExclusive(path);
    assert(mine !== undefined, "the kernel released the dead holder's lock");
    mine.release();
  });
});

Deno.test("isLockHeld: true while a process holds it, false after SIGKILL, false for a missing file", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/sessions/w2/host.lock`;
    assertEquals(await isLockHeld(`${dir}/missing.lock`), false);
    assertEquals(await isLockHeld(path), false);
    const holder = await holdSessionLock(dir, "w2");
    try {
      assertEquals(await isLockHeld(path), true);
      assertEquals(await isLockHeld(path), true, "probing does not disturb the holder");
    } finally {
      await killHolder(holder);
    }
    assertEquals(await isLockHeld(path), false);
    // The probe never creates the file it looks at.
    assertEquals(await Deno.stat(`${dir}/missing.lock`).then(() => true, () => false), false);
  });
});

Deno.test("isLockHeld sees a lock held by this process through another descriptor", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/self.lock`;
    const held = await tryLockExclusive(path);
    assert(held !== undefined);
    try {
      assertEquals(await isLockHeld(path), true);
    } finally {
      held.release();
    }
    assertEquals(await isLockHeld(path), false);
  });
});

Deno.test("withLock serializes: 10 concurrent read-modify-write increments give exactly 10", async () => {
  await withDir(async (dir) => {
    const counter = `${dir}/counter`;
    await Deno.writeTextFile(counter, "0");
    const increment = () =>
      withLock(`${dir}/counter.lock`, async () => {
        const n = Number(await Deno.readTextFile(counter));
        // Yield inside the critical section, so that without the lock the others would read the same n.
        await new Promise((r) => setTimeout(r, 1));
        await Deno.writeTextFile(counter, String(n + 1));
        return n;
      });
    const seen = await Promise.all(Array.from({ length: 10 }, increment));
    assertEquals(await Deno.readTextFile(counter), "10");
    assertEquals([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

Deno.test("withLock releases the lock when the function throws, and passes the error on", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/x.lock`;
    let caught: unknown;
    try {
      await withLock(path, () => Promise.reject(new Error("boom")));
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof Error && caught.message === "boom");
    assertEquals(await isLockHeld(path), false);
    assertEquals(await withLock(path, () => Promise.resolve(42)), 42);
  });
});

Deno.test("withLock waits for a lock held by another process until that process dies", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/sessions/w3/host.lock`;
    const holder = await holdSessionLock(dir, "w3");
    let entered = false;
    const waiting = withLock(path, () => {
      entered = true;
      return Promise.resolve("ran");
    });
    try {
      // The holder is alive and still holds the lock: the function cannot have run.
      assertEquals(await isLockHeld(path), true);
      assertEquals(entered, false);
    } finally {
      await killHolder(holder);
    }
    assertEquals(await waiting, "ran");
    assertEquals(entered, true);
  });
});

Deno.test("a liveness probe's instant of shared lock does not make a new holder give up (grace); a real holder does", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/host.lock`;
    await Deno.writeTextFile(path, "");
    // Another process holds a shared lock for 200 ms, as isLockHeld would for an instant.
    const script = `const f = await Deno.open(${JSON.stringify(path)}, { read: true });
await f.lock(false);
console.log("shared");
await new Promise((r) => setTimeout(r, 200));`;
    const probe = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-prompt", `--allow-read=${path}`, script],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = probe.stdout.getReader();
    await reader.read(); // "shared": it holds the lock now
    reader.releaseLock();
    assertEquals(await tryLockExclusive(path), undefined, "without a grace the probe wins");
    const mine = await tryLockExclusive(path, 5000);
    assert(mine !== undefined, "with a grace the lock is taken once the probe lets go");
    mine.release();
    await probe.status;
    // A real holder keeps it past the grace.
    const holder = await holdSessionLock(dir, "w9");
    try {
      assertEquals(await tryLockExclusive(`${dir}/sessions/w9/host.lock`, 300), undefined);
    } finally {
      await killHolder(holder);
    }
  });
});
