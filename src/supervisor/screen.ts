/**
 * A session's terminal as a screen: its output.log replayed through a headless terminal emulator,
 * so full-screen agent UIs (cursor movement, clears) read as they would in a real terminal.
 */
import xterm from "@xterm/headless";
import { readFrom } from "../sys/fs.ts";

export class SessionScreen {
  #term: InstanceType<typeof xterm.Terminal>;
  #offset = 0;
  #decoder = new TextDecoder();

  constructor(readonly logPath: string, readonly cols: number, readonly rows: number) {
    this.#term = new xterm.Terminal({ cols, rows, scrollback: 200, allowProposedApi: true });
  }

  /** Feed whatever the log gained since the last call; true when something new arrived. */
  async update(): Promise<boolean> {
    const bytes = await readFrom(this.logPath, this.#offset, 1 << 20).catch(() => undefined);
    if (!bytes?.length) return false;
    this.#offset += bytes.length;
    const text = this.#decoder.decode(bytes, { stream: true });
    await new Promise<void>((resolve) => this.#term.write(text, resolve));
    return true;
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
