/**
 * An actor group: actors started together, where the first to end (or throw) interrupts the rest
 * and a stop signal (SIGTERM, SIGINT) interrupts them all. The pulse and each session host are one.
 */

export type StopSignal = "SIGTERM" | "SIGINT";

/** An actor runs until its work is done or `stop` aborts; it must then end promptly. */
export type Actor = (stop: AbortSignal) => Promise<unknown>;

export type GroupEnd = {
  /** the actor that ended first (undefined when a signal came first) */
  first?: string;
  /** the stop signal that ended the group, if one did */
  signal?: StopSignal;
};

export async function runActorGroup(
  actors: Record<string, Actor>,
  opts: { stopOn?: StopSignal[]; ignore?: Deno.Signal[] } = {},
): Promise<GroupEnd> {
  const stop = new AbortController();
  const end: GroupEnd = {};
  const listeners = (opts.stopOn ?? []).map((sig) => {
    const fn = () => {
      end.signal ??= sig;
      stop.abort(sig);
    };
    Deno.addSignalListener(sig, fn);
    return [sig, fn] as const;
  });
  const ignored = (opts.ignore ?? []).map((sig) => {
    const fn = () => {};
    Deno.addSignalListener(sig, fn);
    return [sig, fn] as const;
  });
  let failure: { error: unknown } | undefined;
  try {
    await Promise.all(
      Object.entries(actors).map(async ([name, actor]) => {
        try {
          await actor(stop.signal);
        } catch (error) {
          failure ??= { error };
        } finally {
          if (!stop.signal.aborted) {
            end.first ??= name;
            stop.abort(name);
          }
        }
      }),
    );
  } finally {
    for (const [sig, fn] of [...listeners, ...ignored]) Deno.removeSignalListener(sig, fn);
  }
  if (failure) throw failure.error;
  return end;
}

/** Resolves when `stop` aborts: what an actor that has nothing left to do but must not end the group waits on. */
export function untilAborted(stop: AbortSignal): Promise<void> {
  if (stop.aborted) return Promise.resolve();
  return new Promise((resolve) => stop.addEventListener("abort", () => resolve(), { once: true }));
}

/** Wait `ms`, or less when `stop` aborts; true when the whole wait passed. */
export async function waitUnlessAborted(ms: number, stop?: AbortSignal): Promise<boolean> {
  if (stop?.aborted) return false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const passed = await new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
    onAbort = () => resolve(false);
    stop?.addEventListener("abort", onAbort, { once: true });
  });
  clearTimeout(timer);
  if (onAbort) stop?.removeEventListener("abort", onAbort);
  return passed;
}

/**
 * A level-triggered wake-up between actors: a poke while nobody sleeps is kept, so the next
 * sleep returns at once (a change during a beat brings the next beat without waiting).
 */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  poke(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** Forget a kept poke: what it announced is about to be looked at. */
  clear(): void {
    this.#pending = false;
  }

  /** Sleep `ms`, or less: until a poke or until `stop` aborts. */
  async sleep(ms: number, stop: AbortSignal): Promise<void> {
    if (this.#pending || stop.aborted) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => this.#resolve?.();
    await new Promise<void>((resolve) => {
      this.#resolve = resolve;
      timer = setTimeout(resolve, ms);
      stop.addEventListener("abort", onAbort, { once: true });
    });
    clearTimeout(timer);
    stop.removeEventListener("abort", onAbort);
    this.#resolve = undefined;
  }
}
