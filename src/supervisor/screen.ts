/**
 * A session's terminal as a screen: its output.log replayed through a headless terminal emulator
 * at the session's own size, so full-screen agent UIs (cursor movement, clears) read as they would
 * in a real terminal; and a window onto it for a smaller pane, with scrolling through the scrollback.
 */
import xterm from "@xterm/headless";
import { readFrom, statIfExists } from "../sys/fs.ts";

/** Lines of scrollback kept above the screen, for scrolling back through a session's output. */
export const SCROLLBACK = 5000;
/** One read of the log; one write to the emulator is a slice of it, so a big log is parsed in short steps. */
const READ_BYTES = 1 << 20;
const WRITE_SLICE = 64 * 1024;

/** A pane's window onto the screen: its rows, where it starts, and where the live view would start. */
export type ScreenView = { lines: string[]; top: number; liveTop: number };

export class SessionScreen {
  #term: InstanceType<typeof xterm.Terminal>;
  #offset = 0;
  #decoder = new TextDecoder();
  #writing: Promise<void> = Promise.resolve();
  #disposed = false;

  constructor(readonly logPath: string, public cols: number, public rows: number, scrollback = SCROLLBACK) {
    this.#term = new xterm.Terminal({ cols, rows, scrollback, allowProposedApi: true });
  }

  /** How much of the log has been replayed, of its size now (bytes). */
  progress(): { read: number; size: number } {
    let size = this.#offset;
    try {
      size = statIfExists(this.logPath)?.size ?? size;
    } catch { /* a link planted there: readFrom refuses it too */ }
    return { read: this.#offset, size };
  }

  /**
   * Feed up to 1 MB of what the log gained since the last call; true when something new arrived.
   * The bytes go to the emulator in 64 KB slices, each awaited, so other work (a request for the
   * screen, a key) runs between them.
   */
  async update(): Promise<boolean> {
    if (this.#disposed) return false;
    const bytes = await readFrom(this.logPath, this.#offset, READ_BYTES).catch(() => undefined);
    if (!bytes?.length || this.#disposed) return false;
    this.#offset += bytes.length;
    const text = this.#decoder.decode(bytes, { stream: true });
    // One slice at a time, each parsed in a few milliseconds: whatever waits meanwhile waits no longer.
    for (let i = 0; i < text.length && !this.#disposed; i += WRITE_SLICE) {
      const slice = text.slice(i, i + WRITE_SLICE);
      this.#writing = new Promise<void>((resolve) => this.#term.write(slice, resolve));
      await this.#writing;
    }
    return true;
  }

  /** The session's terminal was resized: so is the emulator, from the bytes that follow on. */
  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.#term.resize(cols, rows);
  }

  /** The visible screen, one string per row, trailing spaces trimmed. */
  lines(): string[] {
    const b = this.#term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.rows; y++) out.push(b.getLine(b.baseY + y)?.translateToString(true) ?? "");
    return out;
  }

  /**
   * `rows` lines of `cols` columns from the buffer (scrollback, then the screen), starting at line
   * `top`, or, without one, the live view: the bottom of what the screen holds (its last written
   * row or the cursor's, whichever is lower), so a status line drawn at the foot of a taller screen
   * stays in a shorter pane. Wider rows are cut, never wrapped.
   */
  view(rows: number, cols: number, top?: number): ScreenView {
    const b = this.#term.buffer.active;
    let used = b.cursorY;
    for (let y = this.rows - 1; y > used; y--) {
      if (b.getLine(b.baseY + y)?.translateToString(true)) {
        used = y;
        break;
      }
    }
    const liveTop = Math.max(0, b.baseY + used + 1 - rows);
    const start = top === undefined ? liveTop : Math.min(Math.max(0, top), liveTop);
    const lines: string[] = [];
    for (let y = 0; y < rows; y++) {
      lines.push(b.getLine(start + y)?.translateToString(true, 0, cols) ?? "");
    }
    return { lines, top: start, liveTop };
  }

  /** Free the emulator, once a write still being parsed has finished. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#writing.then(() => this.#term.dispose(), () => this.#term.dispose());
  }
}
