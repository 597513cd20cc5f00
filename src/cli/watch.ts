/**
 * `looop watch [<id>]`: on a terminal, a live view of the sessions (the pulse first, then workers
 * by uptime), a status line, and the selected session's screen (the pulse's: its log, one line per
 * event); otherwise `watch <id>` streams its plain log until the session ends.
 */
import type { Command } from "@commander-js/extra-typings";
import stripAnsi from "strip-ansi";
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
import { exists, readBytesIfExists, readFrom, statIfExists } from "../sys/fs.ts";
import { PulseLog } from "./ui/pulse_log.ts";
import { useColour } from "../sys/env.ts";
import { dataDir, workers } from "./context.ts";

const HELP = " ↑↓ select  n next ask  enter reopen  a answer  t tell  x kill  q quit";

/** The pulse first, then workers, longest-running first. */
function ordered(sessions: SessionView[]): SessionView[] {
  const started = (s: SessionView) => s.meta?.started ?? "";
  const pulse = sessions.filter((s) => s.id === PULSE_ID);
  const workers = sessions.filter((s) => s.id !== PULSE_ID).sort((a, b) =>
    started(a).localeCompare(started(b)) || a.id.localeCompare(b.id)
  );
  return [...pulse, ...workers];
}

/**
 * Cursor-forward (CSI n C) as the n spaces it leaves on a screen: agent UIs move the cursor over
 * a gap instead of printing blanks, and stripping the sequence would glue the words together.
 */
const CURSOR_FORWARD = new RegExp(`${String.fromCharCode(27)}\\[(\\d*)C`, "g");
const spaced = (text: string) =>
  text.replace(CURSOR_FORWARD, (_, n: string) => " ".repeat(Math.min(Math.max(1, Number(n) || 1), 1000)));

async function streamLog(dd: DataDir, id: string): Promise<void> {
  const f = sessionFiles(dd, id);
  if (!(await exists(f.dir))) throw new LooopError(`no session '${id}'`, "see `looop _ sessions`", Exit.refused);
  let offset = 0;
  let carry = ""; // an escape sequence cut in two by a read waits for its end
  const dec = new TextDecoder();
  const out = new TextEncoder();
  while (true) {
    const alive = await isSessionAlive(dd, id);
    const data = await readBytesIfExists(f.output).catch(() => new Uint8Array());
    if (data.length > offset) {
      let text = carry + dec.decode(data.subarray(offset), { stream: true });
      offset = data.length;
      const esc = text.lastIndexOf("\x1b");
      // strip-ansi removes only complete sequences: one it leaves in place is cut off.
      carry = esc >= 0 && stripAnsi(text.slice(esc)).startsWith("\x1b") ? text.slice(esc) : "";
      if (carry) text = text.slice(0, esc);
      await Deno.stdout.write(out.encode(stripAnsi(spaced(text))));
    } else if (!alive) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What the pane shows: a worker's screen (SessionScreen), or the pulse's log as readable lines. */
type Pane = { update(): Promise<boolean>; lines(): string[]; dispose(): void };

/** How much of a long pulse log the pane reads when it opens: the tail, not the whole history. */
const PULSE_LOG_TAIL_BYTES = 256 * 1024;

/** The pulse's output.log, read as it grows and folded into one line per event (ui/pulse_log.ts). */
function pulseLogPane(path: string, rows: number, cols: number, colour: boolean): Pane {
  const log = new PulseLog();
  const dec = new TextDecoder();
  let offset: number | undefined;
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
      log.feed(dec.decode(bytes, { stream: true }));
      return true;
    },
    lines: () => log.tail(rows, cols, colour),
    dispose() {},
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
  let mode: Mode = { kind: "normal" };
  let message = "";
  let quit = false;
  const enc = new TextEncoder();
  const write = (s: string) => Deno.stdout.writeSync(enc.encode(s));

  const open = async (id: string | undefined) => {
    screen?.dispose();
    screen = undefined;
    if (!id) return;
    const pane = paneSize(cols, rows);
    if (id === PULSE_ID) {
      screen = pulseLogPane(sessionFiles(dd, PULSE_ID).output, pane.rows, pane.cols, colour);
      return;
    }
    screen = await ws.screen(id, pane.cols, pane.rows);
    if (id !== PULSE_ID && (await isSessionAlive(dd, id))) {
      await ws.resize(id, pane.cols, pane.rows).catch(() => {});
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
        await open(selectedId);
      }
    }
    await screen?.update();
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
    write(renderFrame({
      cols,
      rows,
      title: `${status ? statusLine(status, asks, new Date(now)) : " looop watch"} · ${dd.root}`,
      sessions: lines,
      selected,
      pane: screen?.lines() ?? ["(no sessions yet)"],
      paneTitle: selectedId ?? "",
      status: bottom,
      colour,
    }));
  };

  const move = async (delta: number) => {
    if (!sessions.length) return;
    const i = Math.max(0, sessions.findIndex((s) => s.id === selectedId));
    const next = sessions[Math.min(sessions.length - 1, Math.max(0, i + delta))].id;
    if (next !== selectedId) {
      selectedId = next;
      await open(next);
      await screen?.update();
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
    if (key.kind === "up" || (key.kind === "char" && key.ch === "k")) await move(-1);
    else if (key.kind === "down" || (key.kind === "char" && key.ch === "j")) await move(1);
    else if (key.kind === "enter") {
      await open(selectedId);
      await screen?.update();
    } else if (key.kind === "char") {
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
            await open(next.id);
            await screen?.update();
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
  write("\x1b[?1049h\x1b[?25l\x1b[2J");
  const onResize = () => {
    ({ columns: cols, rows } = Deno.consoleSize());
    write("\x1b[2J");
    open(selectedId).then(() => screen?.update()).then(draw);
  };
  Deno.addSignalListener("SIGWINCH", onResize);
  const reader = Deno.stdin.readable.getReader();
  const dec = new TextDecoder();
  try {
    await refresh();
    if (selectedId) await open(selectedId).then(() => screen?.update());
    draw();
    let pendingRead = reader.read();
    while (!quit) {
      const tick = new Promise<"tick">((r) => setTimeout(() => r("tick"), 250));
      const got = await Promise.race([pendingRead, tick]);
      if (got !== "tick") {
        if (got.done) break;
        for (const key of parseKeys(dec.decode(got.value))) {
          await onKey(key);
          if (quit) break;
        }
        pendingRead = reader.read();
      }
      await refresh();
      draw();
    }
  } finally {
    Deno.removeSignalListener("SIGWINCH", onResize);
    screen?.dispose();
    write("\x1b[?25h\x1b[?1049l");
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
