/**
 * `looop watch [<id>]`: on a terminal, a live view of the sessions (the pulse first, then workers
 * by uptime), a status line, and the selected session's screen (the pulse's: its log, one line per
 * event); otherwise `watch <id>` streams its plain log until the session ends.
 */
import type { Command } from "@commander-js/extra-typings";
import { formatAge } from "../core/duration.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { type Key, paneSize, parseKeys, renderFrame, type SessionLine } from "./ui/tui.ts";
import type { Ask } from "../core/schemas.ts";
import { answerAsk } from "../mailbox/answer.ts";
import { pendingAsks } from "../store/asks.ts";
import type { DataDir } from "../store/layout.ts";
import { isSessionAlive, lastOutput, PULSE_ID, sessionFiles, type SessionView } from "../store/sessions.ts";
import { DEFAULT_WORKER_STUCK_S, healthOf } from "../core/health.ts";
import { readWatchStatus, stuckThreshold, type WatchStatus } from "../state/state.ts";
import { statusLine } from "./ui/status.ts";
import { exists, readFrom, statIfExists } from "../sys/fs.ts";
import { PulseLog } from "./ui/pulse_log.ts";
import { PlainText } from "./ui/plain.ts";
import { useColour } from "../sys/env.ts";
import type { RemoteScreen, ScreenState, WorkerScreens } from "../supervisor/backend.ts";
import { dataDir, workers } from "./context.ts";

const HELP = " ↑↓ select  PgUp/PgDn scroll  n next ask  enter reopen  a answer  t tell  x kill  q quit";
/** Lines one turn of the mouse wheel scrolls. */
const WHEEL_LINES = 3;

/** The pulse first, then workers, longest-running first. */
function ordered(sessions: SessionView[]): SessionView[] {
  const started = (s: SessionView) => s.meta?.started ?? "";
  const pulse = sessions.filter((s) => s.id === PULSE_ID);
  const workers = sessions.filter((s) => s.id !== PULSE_ID).sort((a, b) =>
    started(a).localeCompare(started(b)) || a.id.localeCompare(b.id)
  );
  return [...pulse, ...workers];
}

async function streamLog(dd: DataDir, id: string): Promise<void> {
  const f = sessionFiles(dd, id);
  if (!(await exists(f.dir))) throw new LooopError(`no session '${id}'`, "see `looop _ sessions`", Exit.refused);
  let offset = 0;
  const plain = new PlainText();
  const dec = new TextDecoder();
  const out = new TextEncoder();
  while (true) {
    const alive = await isSessionAlive(dd, id);
    // Only what the log gained: a long log is read once, a megabyte at a time.
    const data = await readFrom(f.output, offset, 1 << 20).catch(() => undefined) ?? new Uint8Array();
    if (data.length) {
      offset += data.length;
      await Deno.stdout.write(out.encode(plain.feed(dec.decode(data, { stream: true }))));
      continue;
    }
    if (!alive) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * What the pane shows: a worker's screen (SessionScreen), or the pulse's log as readable lines.
 * Either scrolls back through what it keeps; `note` is for the pane's title.
 */
type Pane = {
  /** Read one step of what the log gained; true when something new arrived. */
  update(): Promise<boolean>;
  view(rows: number, cols: number): string[];
  /** Scroll by `lines` (negative: back in time), or to the oldest line kept, or back to the live view. */
  scroll(by: number | "oldest" | "live"): void;
  note(): string;
  /** The session's terminal was resized (a worker's screen follows; the pulse's log has no size). */
  resize?(cols: number, rows: number): void;
  dispose(): void;
};

/** How much of a long pulse log the pane reads when it opens: the tail, not the whole history. */
const PULSE_LOG_TAIL_BYTES = 256 * 1024;
/** A log still this far from replayed is named in the pane's title, with how far the replay got. */
const REPLAY_NOTE_BYTES = 256 * 1024;
/** Worker screens kept while another session is shown, so going back replays only new bytes. */
const SCREENS_KEPT = 8;

const scrolledNote = (back: number) => back > 0 ? `${back} lines back · End: live` : "";

/** The pulse's output.log, read as it grows and folded into one line per event (ui/pulse_log.ts). */
function pulseLogPane(path: string, colour: boolean): Pane {
  const log = new PulseLog();
  const dec = new TextDecoder();
  let offset: number | undefined;
  let back = 0;
  let rowsShown = 1;
  return {
    async update() {
      if (offset === undefined) {
        let size = 0;
        try {
          size = statIfExists(path)?.size ?? 0;
        } catch { /* a link planted there: read as nothing, as readFrom below refuses it */ }
        offset = Math.max(0, size - PULSE_LOG_TAIL_BYTES);
        if (offset > 0) {
          // Started mid-line: that line's rest is dropped, the next one is whole.
          const head = await readFrom(path, offset, 64 * 1024).catch(() => undefined);
          const nl = head ? head.indexOf(10) : -1;
          if (nl >= 0) offset += nl + 1;
        }
      }
      const bytes = await readFrom(path, offset, 1 << 20).catch(() => undefined);
      if (!bytes?.length) return false;
      offset += bytes.length;
      const before = log.backLimit(rowsShown);
      log.feed(dec.decode(bytes, { stream: true }));
      // Scrolled back, the view stays on the lines being read while new ones arrive below.
      if (back > 0) back = Math.min(back + log.backLimit(rowsShown) - before, log.backLimit(rowsShown));
      return true;
    },
    view(rows, cols) {
      rowsShown = rows;
      back = Math.min(back, log.backLimit(rows));
      return log.tail(rows, cols, colour, back);
    },
    scroll(by) {
      const limit = log.backLimit(rowsShown);
      back = by === "live" ? 0 : by === "oldest" ? limit : Math.min(limit, Math.max(0, back - by));
    },
    note: () => scrolledNote(back),
    dispose() {},
  };
}

/**
 * A worker's screen, emulated at its own terminal size in the replaying Worker (supervisor/screens.ts);
 * the pane shows the part that fits. `view` is never waited on: it returns the last window the
 * Worker sent, asks for a new one when the pane's size or the scroll changed, and `changed` (a
 * redraw) runs when it comes.
 */
function workerPane(screen: RemoteScreen, changed: () => void): Pane {
  let top: number | undefined; // the first line shown when scrolled back; undefined: the live view
  let state: ScreenState = { got: false, view: { lines: [], top: 0, liveTop: 0 }, progress: { read: 0, size: 0 } };
  let size = { rows: 1, cols: 1 };
  let shown = { rows: 0, cols: 0, top: undefined as number | undefined };
  let wanted = 0; // the newest request's number: an older reply (a scroll since) is not shown
  let failed = "";
  const mb = (n: number) => (n / (1 << 20)).toFixed(1);
  const take = (n: number, got: ScreenState) => {
    if (n !== wanted) return;
    state = got;
    top = top === undefined || got.view.top >= got.view.liveTop ? undefined : got.view.top;
  };
  const ask = (kind: "update" | "view") => {
    const n = ++wanted;
    shown = { ...size, top };
    const req = kind === "update" ? screen.update(size.rows, size.cols, top) : screen.view(size.rows, size.cols, top);
    return req.then((got) => {
      take(n, got);
      return got.got;
    }, (e) => {
      failed = `cannot replay this screen: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    });
  };
  const refetch = () => void ask("view").then(changed);
  return {
    update: () => failed ? Promise.resolve(false) : ask("update"),
    view(rows, cols) {
      size = { rows, cols };
      if (!failed && (rows !== shown.rows || cols !== shown.cols || top !== shown.top)) refetch();
      if (failed) return [failed];
      return state.view.lines;
    },
    scroll(by) {
      const liveTop = state.view.liveTop;
      if (by === "live") top = undefined;
      else if (by === "oldest") top = 0;
      else {
        const next = (top ?? liveTop) + by;
        top = next >= liveTop ? undefined : Math.max(0, next);
      }
      refetch();
    },
    note() {
      const p = state.progress;
      const parts = [`${screen.cols}×${screen.rows}`];
      if (top !== undefined) parts.push(scrolledNote(state.view.liveTop - top));
      if (p.size - p.read > REPLAY_NOTE_BYTES) parts.push(`replaying ${mb(p.read)} of ${mb(p.size)} MB`);
      return parts.join(" · ");
    },
    resize: (cols, rows) => screen.resize(cols, rows),
    dispose: () => screen.dispose(),
  };
}

type Mode =
  | { kind: "normal" }
  | { kind: "answer"; ask: Ask; text: string }
  | { kind: "tell"; id: string; text: string }
  | { kind: "confirm-kill"; id: string };

async function tui(dd: DataDir, initial: string | undefined): Promise<void> {
  // The terminal emulator is loaded only here, not by every verb.
  const ws = workers(dd);
  const colour = useColour();
  let { columns: cols, rows } = Deno.consoleSize();
  let sessions: SessionView[] = [];
  let asks: Ask[] = [];
  let status: WatchStatus | undefined;
  let statusAt = 0;
  const statusCache = {};
  let selectedId = initial;
  let screen: Pane | undefined;
  /** Panes opened before, most recently shown last: worker screens keep their replay. */
  const kept = new Map<string, Pane>();
  let replayer: WorkerScreens | undefined;
  let mode: Mode = { kind: "normal" };
  let message = "";
  let quit = false;
  const enc = new TextEncoder();
  const write = (s: string) => {
    if (!quit) Deno.stdout.writeSync(enc.encode(s));
  };

  /** Show session `id`'s pane: the kept one, or a new one (`fresh`: replayed from the start). */
  const open = (id: string | undefined, fresh = false) => {
    screen = undefined;
    if (!id) return;
    let pane = kept.get(id);
    if (pane && fresh) {
      pane.dispose();
      pane = undefined;
    }
    kept.delete(id);
    if (!pane) {
      if (id === PULSE_ID) pane = pulseLogPane(sessionFiles(dd, PULSE_ID).output, colour);
      else {
        // At the session's own terminal size, never the pane's: a full-screen program's screen
        // replays as it drew it; the pane shows the part that fits.
        const meta = sessions.find((s) => s.id === id)?.meta;
        replayer ??= ws.screens();
        pane = workerPane(replayer.open(id, meta), draw);
      }
    }
    kept.set(id, pane);
    for (const [old, p] of kept) {
      if (kept.size <= SCREENS_KEPT) break;
      p.dispose();
      kept.delete(old);
    }
    if (selectedId === id) screen = pane;
    pump();
  };

  /**
   * Replay what the selected pane's log gained, a step at a time, each ending with a redraw. A
   * worker's screen replays in the replaying Worker, so keys are read and drawn meanwhile.
   */
  let pumping = false;
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (!quit && screen) {
        const pane = screen;
        const got = await pane.update();
        if (pane === screen) draw();
        if (!got && pane === screen) break;
      }
    } finally {
      pumping = false;
    }
  };

  let stuckS = DEFAULT_WORKER_STUCK_S;
  const refresh = async () => {
    [sessions, asks, stuckS] = await Promise.all([ws.list().then(ordered), pendingAsks(dd), stuckThreshold(dd)]);
    // The status line's reads (the pulse, the pause, the ledger) once a second, not every frame.
    if (!status || Date.now() - statusAt >= 1000) {
      status = await readWatchStatus(dd, new Date(), statusCache);
      statusAt = Date.now();
    }
    if (!selectedId || !sessions.some((s) => s.id === selectedId)) {
      const first = sessions[0]?.id;
      if (first !== selectedId) {
        selectedId = first;
        open(selectedId);
      }
    } else if (!screen) open(selectedId);
    // A session whose terminal was resized since: its emulator follows from the bytes to come.
    for (const s of sessions) if (s.meta) kept.get(s.id)?.resize?.(s.meta.cols, s.meta.rows);
    pump();
  };

  const draw = () => {
    const now = Date.now();
    const lines: SessionLine[] = sessions.map((s) => {
      const ask = asks.some((a) => a.worker === s.id);
      const health = healthOf(
        { status: s.status.kind, lastOutputAt: lastOutput(s), pendingAsk: ask },
        new Date(now),
        stuckS,
      );
      return {
        id: s.id,
        // A live worker's health (the pulse is only running); "asking" fits the column where "waiting-ask" would not.
        state: s.status.kind === "exited"
          ? `exit ${s.status.code ?? "?"}`
          : s.id === PULSE_ID
          ? s.status.kind
          : health === "waiting-ask"
          ? "asking"
          : health,
        runner: s.id === PULSE_ID ? "" : s.meta?.runner ?? "",
        age: s.meta?.started ? formatAge((now - Date.parse(s.meta.started)) / 1000) : "",
        ask,
        live: s.status.kind === "running",
      };
    });
    let bottom = message || HELP;
    if (mode.kind === "answer") {
      const opts = mode.ask.options ? ` [${mode.ask.options.join("/")}]` : "";
      bottom = ` answer ${mode.ask.id} (${mode.ask.prompt.split("\n")[0]})${opts}: ${mode.text}_`;
    } else if (mode.kind === "tell") bottom = ` tell ${mode.id}: ${mode.text}_`;
    else if (mode.kind === "confirm-kill") bottom = ` kill ${mode.id} and everything it started? (y/n)`;
    const selected = Math.max(0, sessions.findIndex((s) => s.id === selectedId));
    const pane = paneSize(cols, rows);
    const note = screen?.note();
    write(renderFrame({
      cols,
      rows,
      title: `${status ? statusLine(status, asks, new Date(now)) : " looop watch"} · ${dd.root}`,
      sessions: lines,
      selected,
      pane: screen?.view(pane.rows, pane.cols) ?? [selectedId ? "" : "(no sessions yet)"],
      paneTitle: `${selectedId ?? ""}${note ? ` · ${note}` : ""}`,
      status: bottom,
      colour,
    }));
  };

  const move = (delta: number) => {
    if (!sessions.length) return;
    const i = Math.max(0, sessions.findIndex((s) => s.id === selectedId));
    const next = sessions[Math.min(sessions.length - 1, Math.max(0, i + delta))].id;
    if (next !== selectedId) {
      selectedId = next;
      open(next);
    }
  };

  const editLine = (text: string, key: Key): string | undefined => {
    if (key.kind === "char") return text + key.ch;
    if (key.kind === "backspace") return [...text].slice(0, -1).join("");
    return undefined;
  };

  const onKey = async (key: Key) => {
    if (key.kind === "interrupt") {
      quit = true;
      return;
    }
    if (mode.kind === "answer" || mode.kind === "tell") {
      if (key.kind === "escape") mode = { kind: "normal" };
      else if (key.kind === "enter") {
        const m = mode;
        mode = { kind: "normal" };
        try {
          if (m.kind === "answer") {
            await answerAsk(dd, m.ask.id, m.text, { now: new Date() });
            message = ` answered ${m.ask.id}`;
          } else {
            await ws.tell(m.id, m.text, { now: true }); // a human watching the screen: typed in at once
            message = ` told ${m.id}`;
          }
        } catch (e) {
          message = ` ${e instanceof LooopError ? e.message : String(e)}`;
        }
      } else {
        const text = editLine(mode.text, key);
        if (text !== undefined) mode = { ...mode, text };
      }
      return;
    }
    if (mode.kind === "confirm-kill") {
      const id = mode.id;
      mode = { kind: "normal" };
      if (key.kind === "char" && key.ch.toLowerCase() === "y") {
        message = ` killing ${id}…`;
        draw();
        try {
          const r = await ws.kill(id);
          message = r.kind === "killed"
            ? ` killed ${id}`
            : r.kind === "not-signalled"
            ? ` did not signal ${id}: ${r.why}`
            : ` ${id} had already ended`;
        } catch (e) {
          message = ` ${e instanceof LooopError ? e.message : String(e)}`;
        }
      } else message = " kill cancelled";
      return;
    }
    message = "";
    const page = Math.max(1, paneSize(cols, rows).rows - 1);
    if (key.kind === "up" || (key.kind === "char" && key.ch === "k")) move(-1);
    else if (key.kind === "down" || (key.kind === "char" && key.ch === "j")) move(1);
    else if (key.kind === "pageup") screen?.scroll(-page);
    else if (key.kind === "pagedown") screen?.scroll(page);
    else if (key.kind === "wheelup") screen?.scroll(-WHEEL_LINES);
    else if (key.kind === "wheeldown") screen?.scroll(WHEEL_LINES);
    else if (key.kind === "home") screen?.scroll("oldest");
    else if (key.kind === "end") screen?.scroll("live");
    else if (key.kind === "enter") open(selectedId, true);
    else if (key.kind === "char") {
      const live = sessions.find((s) => s.id === selectedId)?.status.kind === "running";
      switch (key.ch) {
        case "q":
          quit = true;
          break;
        case "n": {
          // The next session after the selected one (round the list) whose worker waits on an ask.
          const i = Math.max(0, sessions.findIndex((s) => s.id === selectedId));
          const next = [...sessions.slice(i + 1), ...sessions.slice(0, i + 1)].find((s) =>
            asks.some((a) => a.worker === s.id)
          );
          if (!next) message = " no worker is waiting on an ask";
          else if (next.id !== selectedId) {
            selectedId = next.id;
            open(next.id);
          }
          break;
        }
        case "a": {
          const ask = asks.find((a) => a.worker === selectedId);
          if (ask) mode = { kind: "answer", ask, text: "" };
          else message = ` no pending ask from ${selectedId ?? "this session"}`;
          break;
        }
        case "t":
          if (selectedId && selectedId !== PULSE_ID && live) mode = { kind: "tell", id: selectedId, text: "" };
          else message = " select a running worker to tell";
          break;
        case "x":
          if (selectedId && selectedId !== PULSE_ID && live) mode = { kind: "confirm-kill", id: selectedId };
          else message = " select a running worker to kill";
          break;
      }
    }
  };

  Deno.stdin.setRaw(true);
  // The alternate screen, no cursor, and SGR mouse reports (for the wheel).
  write("\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1006h\x1b[2J");
  // The pane is a window onto each screen: a resize only redraws, it replays nothing.
  const onResize = () => {
    ({ columns: cols, rows } = Deno.consoleSize());
    write("\x1b[2J");
    draw();
  };
  Deno.addSignalListener("SIGWINCH", onResize);
  const reader = Deno.stdin.readable.getReader();
  const dec = new TextDecoder();
  // The lists and the status line are read four times a second, beside the keys, never in their way.
  let ticking = Promise.resolve();
  try {
    await refresh();
    draw();
    ticking = (async () => {
      while (!quit) {
        await new Promise((r) => setTimeout(r, 250));
        if (quit) break;
        await refresh().catch(() => {});
        draw();
      }
    })();
    while (!quit) {
      const got = await reader.read();
      if (got.done) break;
      for (const key of parseKeys(dec.decode(got.value, { stream: true }))) {
        await onKey(key);
        if (quit) break;
      }
      draw();
    }
  } finally {
    // Leaving the alternate screen comes last: no frame may be drawn after it.
    const restore = "\x1b[?1000l\x1b[?1006l\x1b[?25h\x1b[?1049l";
    quit = true;
    await ticking;
    Deno.removeSignalListener("SIGWINCH", onResize);
    for (const p of kept.values()) p.dispose();
    replayer?.close();
    Deno.stdout.writeSync(enc.encode(restore));
    Deno.stdin.setRaw(false);
    reader.releaseLock();
  }
}

export function registerWatch(program: Command) {
  program.command("watch").description("live view of the sessions and their terminals (`watch <id>` streams a log)")
    .argument("[id]", "the session to open")
    .action(async (id) => {
      const dd = await dataDir();
      if (Deno.stdout.isTerminal() && Deno.stdin.isTerminal()) return await tui(dd, id);
      if (!id) {
        throw new LooopError("watch needs a terminal", "to stream one session's log, pass its id: looop watch <id>");
      }
      await streamLog(dd, id);
    });
}
