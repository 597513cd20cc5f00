/** waitFor: a file-system watch wakes the check at once; a slow poll covers where watching fails. */
import { assertEquals } from "../assert.ts";
import { waitFor, type WaitResult } from "../../src/sys/watch.ts";
import { eventually } from "../helpers.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "looop-watch-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The text of `path`, or undefined while it does not exist. */
const contentOf = (path: string) => () => Deno.readTextFile(path).catch(() => undefined);

/**
 * Create `path` after a short delay, from a timer, whole (a temp file renamed into place, as looop
 * writes: a check woken by the create of a plain write could read it still empty); the returned
 * promise settles once it is there.
 */
function writeLater(path: string, text: string, delayMs = 50): Promise<void> {
  return new Promise((resolve, reject) => {
    setTimeout(
      () =>
        Deno.writeTextFile(`${path}.part`, text).then(() => Deno.rename(`${path}.part`, path)).then(resolve, reject),
      delayMs,
    );
  });
}

/**
 * Wait on a waitFor that only its watch can end early: its poll interval is far longer than its timeout,
 * so the one poll would come at the deadline. The bounded wait below is shorter than that deadline, so a
 * broken watch fails the test instead of passing late; either way the waitFor is awaited before returning.
 */
async function settledByWatch<T>(pending: Promise<WaitResult<T>>): Promise<WaitResult<T>> {
  let result: WaitResult<T> | undefined;
  const done = pending.then((r) => (result = r));
  try {
    await eventually(() => Promise.resolve(result), "the watch to wake waitFor", 10_000);
  } finally {
    await done;
  }
  return result!;
}

Deno.test("waitFor returns at once when the check is already true", async () => {
  let calls = 0;
  const r = await waitFor(["/nonexistent-dir-for-looop-tests"], () => {
    calls++;
    return Promise.resolve("here");
  }, { timeoutMs: 0 });
  assertEquals(r, { kind: "ready", value: "here" });
  assertEquals(calls, 1);
});

Deno.test("waitFor wakes on the watch when a file appears (long before the poll would)", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/answer.json`;
    const written = writeLater(path, "yes");
    const r = await settledByWatch(waitFor([dir], contentOf(path), { timeoutMs: 20_000, pollMs: 600_000 }));
    await written;
    assertEquals(r, { kind: "ready", value: "yes" });
  });
});

Deno.test("waitFor gives {kind: timeout} when nothing happens", async () => {
  await withTempDir(async (dir) => {
    let calls = 0;
    const r = await waitFor([dir], () => {
      calls++;
      return Promise.resolve(undefined);
    }, { timeoutMs: 100, pollMs: 20 });
    assertEquals(r, { kind: "timeout" });
    assertEquals(calls > 1, true, "the poll checked again before giving up");
  });
});

Deno.test("waitFor falls back to polling when there is nothing to watch", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/late.txt`;
    const written = writeLater(path, "polled");
    const r = await waitFor([], contentOf(path), { timeoutMs: 15_000, pollMs: 20 });
    await written;
    assertEquals(r, { kind: "ready", value: "polled" });
  });
});

Deno.test("waitFor falls back to polling when the watched dir does not exist", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/late.txt`;
    const written = writeLater(path, "polled");
    const r = await waitFor([`${dir}/missing`], contentOf(path), { timeoutMs: 15_000, pollMs: 20 });
    await written;
    assertEquals(r, { kind: "ready", value: "polled" });
  });
});

Deno.test("waitFor keeps waiting past events that do not make the check true", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/wanted`;
    const noise = writeLater(`${dir}/noise`, "not it", 20);
    const wanted = noise.then(() => writeLater(path, "it", 30));
    const r = await settledByWatch(waitFor([dir], contentOf(path), { timeoutMs: 20_000, pollMs: 600_000 }));
    await wanted;
    assertEquals(r, { kind: "ready", value: "it" });
  });
});
