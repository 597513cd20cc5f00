/**
 * A session's terminal as a screen: its output.log replayed through a headless terminal emulator,
 * so full-screen agent UIs (cursor movement, clears) read as they would in a real terminal.
 */
import xterm from "@xterm/headless";
import { openRead } from "../sys/fs.ts";

export class SessionScreen {
  #term: InstanceType<typeof xterm.Terminal>;
  #offset = 0;
  #decoder = new TextDecoder();

  constructor(readonly logPath: string, readonly cols: number, readonly rows: number) {
    this.#term = new xterm.Terminal({ cols, rows, scrollback: 200, allowProposedApi: true });
  }

  /** Feed whatever the log gained since the last call; true when something new arrived. */
  async update(): Promise<boolean> {
    const file = await openRead(this.logPath).catch(() => undefined);
    if (!file) return false;
    try {
      const size = (await file.stat()).size;
      if (size <= this.#offset) return false;
      await file.seek(this.#offset, Deno.SeekMode.Start);
      const buf = new Uint8Array(Math.min(size - this.#offset, 1 << 20));
      let n = 0;
      while (n < buf.length) {
        const r = await file.read(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      this.#offset += n;
      const text = this.#decoder.decode(buf.subarray(0, n), { stream: true });
      await new Promise<void>((resolve) => this.#term.write(text, resolve));
      return n > 0;
    } finally {
      file.close();
    }
  }

  /** The visible screen, one string per row, trailing spaces trimmed. */
  lines(): string[] {
    const b = this.#term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? "");
    return out;
  }

  dispose(): void {
    this.#term.dispose();
  }
}
