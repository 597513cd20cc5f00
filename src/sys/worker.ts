/** A module run in a Worker whose Deno permissions are narrowed: one message in, one reply out. */

export type WorkerPermissions = {
  read: string[];
  net: string[] | false;
  env: string[] | false;
};

function narrowedWorker(module: URL, perms: WorkerPermissions): Worker {
  return new Worker(module, {
    type: "module",
    deno: {
      permissions: {
        read: perms.read,
        net: perms.net,
        env: perms.env,
        write: false,
        run: false,
        ffi: false,
        sys: false,
        import: false,
      },
    },
  } as WorkerOptions);
}

/**
 * Start `module` in a Worker that may only read `perms.read` and reach the hosts and variables
 * named (no writes, processes, FFI, system facts or imports from afar), post it `message`, and
 * resolve with its first reply, or with the error it died of. The Worker is ended either way.
 */
export async function askNarrowedWorker<T>(
  module: URL,
  perms: WorkerPermissions,
  message: unknown,
): Promise<{ ok: true; reply: T } | { ok: false; error: string }> {
  const worker = narrowedWorker(module, perms);
  try {
    return await new Promise((resolve) => {
      worker.onmessage = (e: MessageEvent<T>) => resolve({ ok: true, reply: e.data });
      worker.onerror = (e) => {
        e.preventDefault();
        resolve({ ok: false, error: e.message });
      };
      worker.postMessage(message);
    });
  } finally {
    worker.terminate();
  }
}

/** A request's envelope to a long-lived Worker, and its reply's. */
export type Envelope<T> = { seq: number; body: T };
export type ReplyEnvelope<T> = { seq: number; ok: true; body: T } | { seq: number; ok: false; error: string };

/** A long-lived Worker asked many requests, each answered once, in any order. */
export type WorkerChannel<Req, Rep> = {
  request(body: Req): Promise<Rep>;
  /** End the Worker; requests not yet answered reject. */
  terminate(): void;
};

/**
 * Start `module` in a narrowed Worker (as askNarrowedWorker) that stays up: each request is posted
 * as an Envelope and resolved by the ReplyEnvelope with its number. If the Worker dies, every
 * request waiting and every later one rejects with the error it died of.
 */
export function workerChannel<Req, Rep>(module: URL, perms: WorkerPermissions): WorkerChannel<Req, Rep> {
  const worker = narrowedWorker(module, perms);
  const waiting = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let dead: Error | undefined;
  const fail = (e: Error) => {
    dead ??= e;
    for (const w of waiting.values()) w.reject(dead);
    waiting.clear();
  };
  worker.onmessage = (e: MessageEvent<ReplyEnvelope<Rep>>) => {
    const w = waiting.get(e.data.seq);
    if (!w) return;
    waiting.delete(e.data.seq);
    if (e.data.ok) w.resolve(e.data.body);
    else w.reject(new Error(e.data.error));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(new Error(e.message));
  };
  return {
    request(body) {
      if (dead) return Promise.reject(dead);
      return new Promise<Rep>((resolve, reject) => {
        const n = ++seq;
        waiting.set(n, { resolve, reject });
        worker.postMessage({ seq: n, body } satisfies Envelope<Req>);
      });
    },
    terminate() {
      worker.terminate();
      fail(new Error("the worker was ended"));
    },
  };
}
