/**
 * The Worker behind supervisor/screens.ts: it holds the session screens `watch` opened and
 * answers each request with the window asked for. It runs with read access to the data dir only.
 */
/// <reference lib="deno.worker" />
import type { Envelope, ReplyEnvelope } from "../sys/worker.ts";
import { SessionScreen } from "./screen.ts";
import type { ScreenRequest, ScreenState } from "./screens.ts";

const screens = new Map<number, SessionScreen>();

function screenOf(key: number): SessionScreen {
  const s = screens.get(key);
  if (!s) throw new Error(`no screen ${key}`);
  return s;
}

async function handle(req: ScreenRequest): Promise<ScreenState | null> {
  switch (req.kind) {
    case "open":
      screens.set(req.key, new SessionScreen(req.path, req.cols, req.rows));
      return null;
    case "update":
    case "view": {
      const s = screenOf(req.key);
      const got = req.kind === "update" ? await s.update() : false;
      return { got, view: s.view(req.rows, req.cols, req.top), progress: s.progress() };
    }
    case "resize":
      screenOf(req.key).resize(req.cols, req.rows);
      return null;
    case "close":
      screens.get(req.key)?.dispose();
      screens.delete(req.key);
      return null;
  }
}

self.onmessage = async (e: MessageEvent<Envelope<ScreenRequest>>) => {
  const { seq, body } = e.data;
  let reply: ReplyEnvelope<ScreenState | null>;
  try {
    reply = { seq, ok: true, body: await handle(body) };
  } catch (err) {
    reply = { seq, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
