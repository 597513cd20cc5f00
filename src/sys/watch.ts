/**
 * Wait for something to become true in the file system: a watch on the directories wakes the
 * check at once, a slow poll covers file systems where watching is unreliable.
 */

export type WaitResult<T> = { kind: "ready"; value: T } | { kind: "timeout" };

export async function waitFor<T>(
  dirs: string[],
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<WaitResult<T>> {
  const first = await check();
  if (first !== undefined) return { kind: "ready", value: first };
  const pollMs = opts.pollMs ?? 2000;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let watcher: Deno.FsWatcher | undefined;
  try {
    watcher = Deno.watchFs(dirs, { recursive: false });
  } catch {
    watcher = undefined; // fall back to polling alone
  }
  let wake: (() => void) | undefined;
  const pump = (async () => {
    if (!watcher) return;
    try {
      for await (const _ of watcher) wake?.();
    } catch { /* closed */ }
  })();
  try {
    while (true) {
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout" };
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, Math.min(pollMs, left));
      });
      clearTimeout(timer);
      wake = undefined;
      const v = await check();
      if (v !== undefined) return { kind: "ready", value: v };
    }
  } finally {
    watcher?.close();
    await pump;
  }
}

/**
 * Call `onPaths` with the paths of every file-system event under `paths` until `stop` aborts.
 * Ends at once with the reason when the OS gives no watch (the caller falls back to its timer).
 */
export async function watchUntil(
  paths: string[],
  stop: AbortSignal,
  onPaths: (paths: string[]) => void | Promise<void>,
  opts: { recursive: boolean },
): Promise<{ kind: "ended" } | { kind: "off"; error: string }> {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(paths, { recursive: opts.recursive });
  } catch (e) {
    return { kind: "off", error: e instanceof Error ? e.message : String(e) };
  }
  const close = () => watcher.close();
  if (stop.aborted) close();
  else stop.addEventListener("abort", close, { once: true });
  try {
    for await (const ev of watcher) await onPaths(ev.paths);
  } catch { /* closed */ }
  stop.removeEventListener("abort", close);
  return { kind: "ended" };
}
