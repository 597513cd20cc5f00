/**
 * Session screens replayed in a Worker of their own (supervisor/screen_worker.ts), for `watch`: a
 * log of many megabytes is parsed there, so the process that reads keys and draws never waits on
 * it. The Worker may only read the data dir.
 */
import { type WorkerChannel, workerChannel } from "../sys/worker.ts";
import type { ScreenView } from "./screen.ts";

export type ScreenRequest =
  | { kind: "open"; key: number; path: string; cols: number; rows: number }
  | { kind: "update" | "view"; key: number; rows: number; cols: number; top?: number }
  | { kind: "resize"; key: number; cols: number; rows: number }
  | { kind: "close"; key: number };

/** What a screen's update or view request answers: the window asked for, and how far the replay got. */
export type ScreenState = { got: boolean; view: ScreenView; progress: { read: number; size: number } };

/** One session's screen in the replaying Worker; every call is answered from there. */
export type RemoteScreen = {
  readonly cols: number;
  readonly rows: number;
  /** Replay one step of what the log gained, then the window of `rows` × `cols` from `top` (live if none). */
  update(rows: number, cols: number, top?: number): Promise<ScreenState>;
  view(rows: number, cols: number, top?: number): Promise<ScreenState>;
  /** The session's terminal was resized: so is its emulator, from the bytes that follow. */
  resize(cols: number, rows: number): void;
  dispose(): void;
};

export class ScreenReplayer {
  #channel: WorkerChannel<ScreenRequest, ScreenState | null>;
  #key = 0;

  /** `root`: the only tree the Worker may read (the data dir, where the logs are). */
  constructor(root: string) {
    this.#channel = workerChannel(new URL("./screen_worker.ts", import.meta.url), {
      read: [root],
      net: false,
      env: false,
    });
  }

  open(path: string, cols: number, rows: number): RemoteScreen {
    const key = ++this.#key;
    const ch = this.#channel;
    const ask = (req: ScreenRequest) => ch.request(req) as Promise<ScreenState>;
    // An open that failed (a dead Worker) fails every later call on the screen too, with the same error.
    ch.request({ kind: "open", key, path, cols, rows }).catch(() => {});
    const screen = {
      cols,
      rows,
      update: (r: number, c: number, top?: number) => ask({ kind: "update", key, rows: r, cols: c, top }),
      view: (r: number, c: number, top?: number) => ask({ kind: "view", key, rows: r, cols: c, top }),
      resize(c: number, r: number) {
        if (c === screen.cols && r === screen.rows) return;
        screen.cols = c;
        screen.rows = r;
        ch.request({ kind: "resize", key, cols: c, rows: r }).catch(() => {});
      },
      dispose: () => void ch.request({ kind: "close", key }).catch(() => {}),
    };
    return screen;
  }

  close(): void {
    this.#channel.terminate();
  }
}
