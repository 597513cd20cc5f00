/** A module run in a Worker whose Deno permissions are narrowed: one message in, one reply out. */

export type WorkerPermissions = {
  read: string[];
  net: string[] | false;
  env: string[] | false;
};

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
  const worker = new Worker(module, {
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
