/**
 * `looop watch` as pure functions: keys from raw terminal input, and one frame of the screen from
 * a model. The terminal I/O loop lives in cli/watch.ts.
 */

/** A key that carries no text. */
export type NamedKey =
  | "up"
  | "down"
  | "enter"
  | "escape"
  | "backspace"
  | "interrupt"
  | "pageup"
  | "pagedown"
  | "home"
  | "end"
  | "wheelup"
  | "wheeldown";

export type Key = { kind: NamedKey } | { kind: "char"; ch: string };

/** CSI sequences that are keys, by their parameters and final byte (xterm's, and the VT220 `~` forms). */
const CSI_KEYS: Record<string, NamedKey> = {
  A: "up",
  B: "down",
  H: "home",
  F: "end",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "5~": "pageup",
  "6~": "pagedown",
};

/**
 * Split raw terminal input into keys: arrows, Page Up/Down, Home/End, the mouse wheel (SGR mouse
 * reports, which watch turns on), Enter, Esc, Backspace, Ctrl-C, printable text. Other escape
 * sequences (a click, a function key) are skipped whole.
 */
export function parseKeys(input: string): Key[] {
  const keys: Key[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === "\x1b") {
      if (input[i + 1] === "O" && i + 2 < input.length) {
        // SS3: arrows and Home/End in application cursor mode
        const kind = CSI_KEYS[input[i + 2]];
        if (kind) keys.push({ kind });
        i += 2;
      } else if (input[i + 1] === "[") {
        let j = i + 2;
        while (j < input.length && !/[@-~]/.test(input[j])) j++;
        const params = input.slice(i + 2, j);
        const final = input[j] ?? "";
        const mouse = /^<(\d+);\d+;\d+$/.exec(params);
        if (mouse && (final === "M" || final === "m")) {
          const button = Number(mouse[1]);
          // 64/65: the wheel (with Shift, Alt or Ctrl held, 64 + 4/8/16)
          if ((button & ~28) === 64) keys.push({ kind: "wheelup" });
          else if ((button & ~28) === 65) keys.push({ kind: "wheeldown" });
        } else {
          // With a modifier (`1;5A`: Ctrl-Up), the key itself.
          const kind = CSI_KEYS[params.replace(/^1;\d+$/, "") + final];
          if (kind) keys.push({ kind });
        }
        i = j;
      } else keys.push({ kind: "escape" });
    } else if (c === "\r" || c === "\n") keys.push({ kind: "enter" });
    else if (c === "\x7f" || c === "\b") keys.push({ kind: "backspace" });
    else if (c === "\x03" || c === "\x04") keys.push({ kind: "interrupt" });
    else if (c >= " ") keys.push({ kind: "char", ch: c });
  }
  return keys;
}

/**
 * `state`: a live session's health (busy, asking, stuck) or how it ended; `runner`: what it runs
 * ("" for the pulse); `live`: its host runs (else dimmed).
 */
export type SessionLine = { id: string; state: string; runner: string; age: string; ask: boolean; live: boolean };

export type Frame = {
  cols: number;
  rows: number;
  sessions: SessionLine[];
  selected: number;
  /** the selected session's screen, already cut to the pane */
  pane: string[];
  paneTitle: string;
  /** top line: the status line (cli/ui/status.ts) */
  title: string;
  /** bottom line: help, a message, or a question being typed */
  status: string;
  colour: boolean;
};

export const LIST_WIDTH = 32;

/** The pane the selected session's terminal is shown in, for a terminal of cols × rows. */
export function paneSize(cols: number, rows: number): { cols: number; rows: number } {
  return { cols: Math.max(10, cols - LIST_WIDTH - 1), rows: Math.max(3, rows - 3) };
}

const SGR = new RegExp(`(${String.fromCharCode(27)}\\[[0-9;]*m)`);
/** `s` cut or padded to `w` columns; an SGR sequence in it (the pulse pane's colours) takes none. */
const fit = (s: string, w: number) => {
  let out = "";
  let n = 0;
  for (const part of s.split(SGR)) {
    if (part.startsWith("\x1b[")) out += part;
    else {
      const chars = [...part].slice(0, w - n);
      out += chars.join("");
      n += chars.length;
    }
  }
  return out + " ".repeat(w - n);
};

export const MIN_COLS = 40;
export const MIN_ROWS = 8;

/** The whole screen as one string: cursor home, then every row cleared and rewritten. */
export function renderFrame(f: Frame): string {
  if (f.cols < MIN_COLS || f.rows < MIN_ROWS) {
    const msg = fit(`looop watch needs ${MIN_COLS}x${MIN_ROWS}; q quits`, Math.max(1, f.cols));
    return "\x1b[H\x1b[2J" + msg;
  }
  const inv = (s: string) => (f.colour ? `\x1b[7m${s}\x1b[27m` : s);
  const dim = (s: string) => (f.colour ? `\x1b[2m${s}\x1b[22m` : s);
  const pane = paneSize(f.cols, f.rows);
  const rows: string[] = [];
  rows.push(inv(fit(f.title, f.cols)));
  rows.push(fit(" sessions", LIST_WIDTH) + "│" + fit(` ${f.paneTitle}`, pane.cols));
  // The list scrolls so that the selected session is always visible.
  const first = Math.max(0, f.selected - pane.rows + 1);
  for (let y = 0; y < pane.rows; y++) {
    const i = first + y;
    const s = f.sessions[i];
    let left = " ".repeat(LIST_WIDTH);
    if (s) {
      const mark = i === f.selected ? ">" : " ";
      const text = fit(`${mark}${s.ask ? "?" : " "}${s.id}`, 12) + " " + fit(s.state, 7) + " " + fit(s.runner, 6) +
        " " +
        fit(s.age, 4);
      left = i === f.selected ? inv(fit(text, LIST_WIDTH)) : fit(text, LIST_WIDTH);
      if (!s.live && i !== f.selected) left = dim(left);
    }
    rows.push(left + "│" + fit(f.pane[y] ?? "", pane.cols));
  }
  rows.push(fit(f.status, f.cols));
  return "\x1b[H" + rows.map((r) => r + "\x1b[K").join("\r\n");
}
