/**
 * Deno-native sensors (SPEC §10): `sensors/<name>.ts` runs in a Worker whose Deno permissions are
 * narrowed to reading the data dir and the network hosts its header declares
 * (`// looop:net=api.github.com,127.0.0.1:8080`); no writes, no processes, no env, no FFI.
 * Same contract as a shell sensor: print ONE JSON object (or default-export a function that
 * returns it), within the same timeout and output cap.
 */
import { type Reading, toReading } from "../core/readings.ts";
import type { DataDir } from "../store/layout.ts";
import type { SensorLimits } from "./run.ts";

/** The hosts a sensor declares in a `// looop:net=` header line (among its first lines). */
export function declaredHosts(source: string): string[] {
  for (const line of source.split("\n").slice(0, 20)) {
    const m = /^\s*\/\/\s*looop:net=(.*)$/.exec(line);
    if (m) return m[1].split(",").map((h) => h.trim()).filter((h) => /^[A-Za-z0-9.\-\[\]:]+$/.test(h));
  }
  return [];
}

export async function runTsSensor(dd: DataDir, file: string, limits: SensorLimits): Promise<Reading> {
  const path = `${dd.sensorsDir}/${file}`;
  let source: string;
  try {
    source = await Deno.readTextFile(path);
  } catch (e) {
    return toReading({ kind: "spawn-error", message: e instanceof Error ? e.message : String(e) });
  }
  const hosts = declaredHosts(source);
  let worker: Worker;
  try {
    worker = new Worker(new URL("./ts_worker.ts", import.meta.url), {
      type: "module",
      deno: {
        permissions: {
          read: [dd.root],
          net: hosts.length ? hosts : false,
          write: false,
          run: false,
          env: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions);
  } catch (e) {
    return toReading({ kind: "spawn-error", message: e instanceof Error ? e.message : String(e) });
  }
  type Reply = { ok: true; stdout: string } | { ok: false; error: string };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reply = await new Promise<Reply | "timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), limits.timeoutS * 1000);
    worker.onmessage = (e: MessageEvent<Reply>) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      resolve({ ok: false, error: e.message });
    };
    worker.postMessage({ url: new URL(`file://${path}`).href });
  });
  clearTimeout(timer);
  worker.terminate();
  if (reply === "timeout") return toReading({ kind: "timeout", timeoutS: limits.timeoutS, stderrTail: "" });
  if (!reply.ok) return toReading({ kind: "exited", code: 1, signal: null, stdout: "", stderrTail: reply.error });
  if (new TextEncoder().encode(reply.stdout).length > limits.maxBytes) {
    return toReading({ kind: "overflow", maxBytes: limits.maxBytes, stderrTail: "" });
  }
  return toReading({ kind: "exited", code: 0, signal: null, stdout: reply.stdout, stderrTail: "" });
}
