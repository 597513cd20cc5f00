/**
 * `looop watch [<id>]`: on a terminal, a live view of the sessions (the pulse first, then workers
 * by uptime) and the selected session's screen; otherwise `watch <id>` streams its plain log until
 * the session ends.
 */
import type { Command } from "@commander-js/extra-typings";
import stripAnsi from "strip-ansi";
import { formatAge } from "../core/duration.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { type Key, paneSize, parseKeys, renderFrame, type SessionLine } from "./ui/tui.ts";
import type { Ask } from "../core/schemas.ts";
import { answerAsk } from "../mailbox/answer.ts";
import { pendingAsks } from "../store/asks.ts";
import { readNotesView } from "../store/bookkeeping.ts";
import { readPause } from "../store/pause.ts";
import type { DataDir } from "../store/layout.ts";
import { isSessionAlive, lastOutput, PULSE_ID, sessionFiles, type SessionView } from "../store/sessions.ts";
import { DEFAULT_WORKER_STUCK_S, healthOf } from "../core/health.ts";
import { stuckThreshold } from "../state/state.ts";
import type { SessionScreen } from "../supervisor/screen.ts";
import { exists, readBytesIfExists } from "../sys/fs.ts";
import { useColour } from "../sys/env.ts";
import { dataDir, workers } from "./context.ts";

const HELP = " ↑↓ select  enter reopen  a answer  t tell  x kill  q quit";

/** The pulse first, then workers, longest-running first. */
function ordered(sessions: SessionView[]): SessionView[] {
  const started = (s: SessionView) => s.meta?.started ?? "";
  const pulse = sessions.filter((s) => s.id === PULSE_ID);
  const workers = sessions.filter((s) => s.id !== PULSE_ID).sort((a, b) =>
    started(a).localeCompare(started(b)) || a.id.localeCompare(b.id)
  );
  return [...pulse, ...workers];
}

/** " — PAUSED since … (reason): looop resume", or a runner's usage limit, for the title; "" when the loop runs. */
async function stopBanner(dd: DataDir): Promise<string> {
  const [paused, notes] = await Promise.all([readPause(dd), readNotesView(dd)]);
  if (paused) return ` — PAUSED since ${paused.since}${paused.reason ? ` (${paused.reason})` : ""}: \`looop resume\``;
  const l = notes.runner_limit;
  if (l && Date.parse(l.until) > Date.now()) return ` — runner ${l.runner} at its usage limit until ${l.until}`;
  return "";
}

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
      await Deno.stdout.write(out.encode(stripAnsi(text)));
    } else if (!alive) return;
    await new Promise((r) => setTimeout(r, 200));
  }
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
  let banner = ""; // what stops the loop now: a human's pause, a runner's usage limit
  let selectedId = initial;
  let screen: SessionScreen | undefined;
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
    screen = await ws.screen(id, pane.cols, pane.rows);
    if (id !== PULSE_ID && (await isSessionAlive(dd, id))) {
      await ws.resize(id, pane.cols, pane.rows).catch(() => {});
    }
  };

  let stuckS = DEFAULT_WORKER_STUCK_S;
  const refresh = async () => {
    let stop: string;
    [sessions, asks, stop, stuckS] = await Promise.all([
      ws.list().then(ordered),
      pendingAsks(dd),
      stopBanner(dd),
      stuckThreshold(dd),
    ]);
    banner = stop;
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
        age: s.meta?.started ? formatAge((now - Date.parse(s.meta.started)) / 1000) : "",
        ask,
        live: s.status.kind === "running",
      };
    });
    let status = message || HELP;
    if (mode.kind === "answer") {
      const opts = mode.ask.options ? ` [${mode.ask.options.join("/")}]` : "";
      status = ` answer ${mode.ask.id} (${mode.ask.prompt.split("\n")[0]})${opts}: ${mode.text}_`;
    } else if (mode.kind === "tell") status = ` tell ${mode.id}: ${mode.text}_`;
    else if (mode.kind === "confirm-kill") status = ` kill ${mode.id} and everything it started? (y/n)`;
    const selected = Math.max(0, sessions.findIndex((s) => s.id === selectedId));
    write(renderFrame({
      cols,
      rows,
      title: ` looop watch — ${dd.root}${banner}`,
      sessions: lines,
      selected,
      pane: screen?.lines() ?? ["(no sessions yet)"],
      paneTitle: selectedId ?? "",
      status,
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
