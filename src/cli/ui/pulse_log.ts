/**
 * The pulse's pane in `looop watch`: its output.log (NDJSON or text lines, see events.ts) folded
 * into one readable line per event. Pure: bytes in, lines out; the reading lives in cli/watch.ts.
 */
import stripAnsi from "strip-ansi";
import type { Level } from "../../core/log.ts";

/** An event as the pane shows it: `time` is HH:MM:SS, `fields` what NDJSON carried besides. */
export type PaneEvent = { time: string; level: Level; event: string; msg: string; fields: Record<string, unknown> };

const LEVELS = new Set(["debug", "info", "warn", "error"]);
/** The events the pane leaves out: the runner's raw stream, and the beat's start (its receipt follows). */
const HIDDEN = new Set(["decide.stream", "beat.start"]);

/** One line of output.log as an event: NDJSON, the text form (`HH:MM:SS event msg`), else undefined. */
export function parseLogLine(line: string): PaneEvent | undefined {
  const text = stripAnsi(line).trimEnd();
  if (text.startsWith("{")) {
    try {
      const v = JSON.parse(text) as Record<string, unknown>;
      const { ts, level, event, msg, ...fields } = v;
      if (typeof ts === "string" && typeof event === "string" && typeof msg === "string") {
        const lvl = typeof level === "string" && LEVELS.has(level) ? level as Level : "info";
        return { time: ts.slice(11, 19), level: lvl, event, msg, fields };
      }
    } catch { /* not JSON after all: shown as text */ }
    return undefined;
  }
  const m = /^(\d\d:\d\d:\d\d) (\S+) +(.*)$/.exec(text);
  if (!m) return undefined;
  return {
    time: m[1],
    level: m[2] === "decide.stream" || m[2] === "beat.start" ? "debug" : "info",
    event: m[2],
    msg: m[3],
    fields: {},
  };
}

/** Seconds as the pane shows a duration: 0.4s, 12s, 3m05s. */
function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}

const COLOURS: Record<Level, number> = { debug: 2, info: 36, warn: 33, error: 31 };
/** How an event is named in the pane: short words a person reads, the event's own name otherwise. */
const LABELS: Record<string, string> = {
  "beat.receipt": "beat",
  "beat.skip": "skip",
  "decide.start": "decide",
  "decide.done": "decide",
  "decide.retry": "retry",
  "decide.failed": "failed",
  "sense.done": "sense",
  "beat.error": "error",
  "session.exit": "exit",
  "session.stuck": "stuck",
  "session.unstuck": "unstuck",
  "ask.expired": "expired",
  "runner.limit": "limit",
  "move.done": "move",
  "move.refused": "refused",
  "pulse.start": "up",
  "pulse.stop": "down",
};

/**
 * The pulse log as the pane's lines, kept to the last `keep`. Fed in chunks as the file grows: a
 * line cut by a read waits for its end; a decide's start is held until its end, which then shows
 * the runner, how long it took and what it cost.
 */
export class PulseLog {
  #carry = "";
  #lines: { level: Level; label: string; time: string; text: string }[] = [];
  #decide: { runner: string; at: number } | undefined;

  constructor(readonly keep = 500) {}

  feed(chunk: string): void {
    const parts = (this.#carry + chunk).split("\n");
    this.#carry = parts.pop() ?? "";
    for (const line of parts) this.#push(line);
    if (this.#lines.length > this.keep) this.#lines.splice(0, this.#lines.length - this.keep);
  }

  #push(line: string): void {
    if (!line.trim()) return;
    const ev = parseLogLine(line);
    if (!ev) {
      // Not an event (a crash's stack trace, say): shown as it is, without escapes or a carriage return.
      this.#lines.push({ level: "info", label: "", time: "", text: stripAnsi(line).replace(/\r/g, "").trimEnd() });
      return;
    }
    if (HIDDEN.has(ev.event)) return;
    const at = Date.parse(`1970-01-01T${ev.time}Z`);
    if (ev.event === "decide.start") {
      const runner = typeof ev.fields.runner === "string" ? ev.fields.runner : ev.msg.replace(/^asking /, "");
      this.#decide = { runner, at };
      return;
    }
    let text = ev.msg;
    if (ev.event === "decide.done") {
      const d = this.#decide;
      this.#decide = undefined;
      const cost = typeof ev.fields.cost_usd === "number" ? ` $${ev.fields.cost_usd.toFixed(4)}` : "";
      // NDJSON says the runner and how long it took; the text log is read from the decide's start,
      // which carries no date: a decide across midnight still takes its time, not a negative one.
      const ms = typeof ev.fields.duration_ms === "number"
        ? ev.fields.duration_ms
        : d
        ? (at - d.at + 86400_000) % 86400_000
        : undefined;
      const took = ms === undefined ? "" : ` ${duration(ms)}`;
      const runner = typeof ev.fields.runner === "string" ? ev.fields.runner : d ? d.runner : "runner";
      text = `${runner}${took}${cost}: ${ev.msg}`;
    }
    this.#lines.push({ level: ev.level, label: LABELS[ev.event] ?? ev.event, time: ev.time, text });
  }

  /** How many lines the pane could scroll back: those above the last screenful. */
  backLimit(rows: number): number {
    return Math.max(0, this.#lines.length + (this.#decide ? 1 : 0) - rows);
  }

  /**
   * The last `rows` lines (`back` lines further up when scrolled back), each cut to `cols` visible
   * columns; coloured by level on a terminal.
   */
  tail(rows: number, cols: number, colour: boolean, back = 0): string[] {
    const waiting = this.#decide
      ? [{ level: "info" as Level, label: "decide", time: "", text: `${this.#decide.runner}…` }]
      : [];
    const all = [...this.#lines, ...waiting];
    const end = all.length - Math.min(Math.max(0, back), this.backLimit(rows));
    return all.slice(Math.max(0, end - rows), end).map((l) => {
      const head = l.label ? `${l.time.padEnd(8)} ${l.label.padEnd(8)} ` : "";
      const body = [...(head + l.text)].slice(0, cols).join("");
      if (!colour || !l.label) return body;
      const cut = [...body];
      const time = cut.slice(0, 9).join("");
      const label = cut.slice(9, 17).join("");
      return `${time}\x1b[${COLOURS[l.level]}m${label}\x1b[39m${cut.slice(17).join("")}`;
    });
  }
}
