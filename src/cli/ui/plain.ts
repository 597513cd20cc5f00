/**
 * A session's terminal output as plain text, for `watch <id>` without a terminal. Pure: chunks in,
 * text out. Escape sequences go, but the gaps they made stay: agent UIs move the cursor over a gap
 * instead of printing blanks, and place words on other rows by cursor position, so stripping the
 * sequences alone would glue words together.
 */
import stripAnsi from "strip-ansi";

const ESC = String.fromCharCode(27);
/** One CSI sequence: its parameters and final byte. */
const CSI = new RegExp(`${ESC}\\[([0-9;?]*)([@-~])`, "g");
/** Moves that put the cursor on another row: absolute (H, f, d), relative (A, B, E, F). */
const ROW_MOVES = new Set(["H", "f", "d", "A", "B", "E", "F"]);

export class PlainText {
  #carry = ""; // an escape sequence cut in two by a read waits for its end
  #atLineStart = true;
  /** the gap a cursor move left, written only if visible text follows on the same line */
  #pending = "";

  feed(chunk: string): string {
    let text = this.#carry + chunk;
    this.#carry = "";
    const esc = text.lastIndexOf(ESC);
    // strip-ansi removes only complete sequences: one it leaves in place is cut off.
    if (esc >= 0 && stripAnsi(text.slice(esc)).startsWith(ESC)) {
      this.#carry = text.slice(esc);
      text = text.slice(0, esc);
    }
    let out = "";
    let last = 0;
    for (const m of text.matchAll(CSI)) {
      out += this.#visible(text.slice(last, m.index));
      last = m.index + m[0].length;
      const [, params, final] = m;
      if (final === "C") this.#gap(" ".repeat(Math.min(Math.max(1, Number(params) || 1), 1000)));
      else if (final === "G") this.#gap(" ");
      else if (ROW_MOVES.has(final)) this.#gap("\n");
    }
    return out + this.#visible(text.slice(last));
  }

  #gap(gap: string): void {
    if (this.#atLineStart) return;
    // A row move outweighs a column move; column moves in a row add up.
    if (gap === "\n" || this.#pending === "\n") this.#pending = "\n";
    else this.#pending += gap;
  }

  /** Text between sequences: the other escapes stripped, a pending gap written before it. */
  #visible(part: string): string {
    const plain = stripAnsi(part);
    if (!plain) return "";
    let out = "";
    for (const ch of plain) {
      if (ch === "\r" || ch === "\n") {
        this.#pending = "";
        if (ch === "\n") this.#atLineStart = true;
      } else {
        out += this.#pending;
        this.#pending = "";
        this.#atLineStart = false;
      }
      out += ch;
    }
    return out;
  }
}
