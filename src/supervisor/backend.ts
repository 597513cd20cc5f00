/**
 * Where workers run (docs/scaling.md): the pulse, the executor's caller and the CLI reach workers
 * only through a WorkerBackend. `local`, today's detached PTY hosts, is the one implementation.
 */
import type { Config } from "../core/config.ts";
import type { KillOutcome, Tell } from "../core/schemas.ts";
import type { DataDir } from "../store/layout.ts";
import {
  KILL_GRACE_MS,
  listSessions,
  liveWorkers,
  sessionFiles,
  type SessionView,
  startingWorkers,
} from "../store/sessions.ts";
import { killSession } from "./kill.ts";
import { pruneSessions } from "./prune.ts";
import type { SessionScreen } from "./screen.ts";
import { type RemoteScreen, ScreenReplayer } from "./screens.ts";
import { DEFAULT_COLS, DEFAULT_ROWS, startWorker } from "./start.ts";
import { tellSession } from "./tell.ts";

export type { RemoteScreen, ScreenState } from "./screens.ts";

/**
 * Session screens replayed off the caller's thread, for `watch`: each opened at the session's own
 * terminal size (its meta's; the default size if it has none), until `close`.
 */
export type WorkerScreens = {
  open(id: string, size?: { cols: number; rows: number }): RemoteScreen;
  close(): void;
};

/** `verify`: run sandboxed when the worker ends; `command`: instead of the runner's interactive command. */
export type StartRequest = { id: string; brief: string; config: Config; now: Date; verify?: string; command?: string };

export interface WorkerBackend {
  readonly kind: "local";
  /** Start worker `id` on `brief`, after the supervisor's gates; a refusal is a LooopError (startRefusal). */
  start(req: StartRequest): Promise<{ pid: number }>;
  /** Every session as recorded, the pulse's own included, with its status (running, exited, killed, done, dead). */
  list(): Promise<SessionView[]>;
  /** The workers alive now, and those whose host is still starting. */
  live(): Promise<string[]>;
  starting(): Promise<string[]>;
  /** End worker `id` and everything it started; `self`: the worker ends itself (recorded as done). */
  kill(id: string, opts?: { graceMs?: number; self?: boolean }): Promise<KillOutcome>;
  /**
   * Tell worker `id` something: kept as a record until it reaches the worker, with its next
   * answer, by `_ told`, or typed into its terminal (and Enter) after the grace.
   */
  /** `now`: typed in at once unless the worker waits on an ask (a human at `watch`) */
  tell(id: string, text: string, opts?: { now?: boolean }): Promise<Tell>;
  /**
   * A session's terminal as a screen of `cols` × `rows`, fed from its log (`update()` reads what is
   * new); the terminal emulator is loaded on first use only, so the pulse never carries it.
   */
  screen(id: string, cols: number, rows: number): Promise<SessionScreen>;
  /** Screens replayed in a Worker of their own that may read the data dir only (supervisor/screens.ts). */
  screens(): WorkerScreens;
  /** Forget finished sessions older than `ttlS`: their ids, and the sessions kept, as just read. */
  prune(ttlS: number, now: Date): Promise<{ pruned: string[]; kept: SessionView[] }>;
}

export function localWorkers(dd: DataDir): WorkerBackend {
  return {
    kind: "local",
    start: (req) => startWorker(dd, req),
    list: () => listSessions(dd),
    live: () => liveWorkers(dd),
    starting: () => startingWorkers(dd),
    kill: (id, opts = {}) => killSession(dd, id, opts.graceMs ?? KILL_GRACE_MS, { self: opts.self }),
    tell: (id, text, opts) => tellSession(dd, id, text, opts?.now ? { graceS: 0 } : {}),
    screen: async (id, cols, rows) => {
      const { SessionScreen } = await import("./screen.ts");
      return new SessionScreen(sessionFiles(dd, id).output, cols, rows);
    },
    screens: () => {
      // The Worker loads the terminal emulator; this side holds only the channel to it.
      const replayer = new ScreenReplayer(dd.root);
      return {
        open: (id, size) =>
          replayer.open(sessionFiles(dd, id).output, size?.cols ?? DEFAULT_COLS, size?.rows ?? DEFAULT_ROWS),
        close: () => replayer.close(),
      };
    },
    prune: (ttlS, now) => pruneSessions(dd, ttlS, now),
  };
}
