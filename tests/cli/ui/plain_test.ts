/** `watch <id>` without a terminal (cli/ui/plain.ts): escape sequences go, the gaps they made stay. */
import { assertEquals } from "../../assert.ts";
import { PlainText } from "../../../src/cli/ui/plain.ts";

const plain = (...chunks: string[]) => {
  const p = new PlainText();
  return chunks.map((c) => p.feed(c)).join("");
};

Deno.test("PlainText: cursor-forward moves become the spaces they skipped; colours and clears go", () => {
  assertEquals(plain("hello\x1b[Cthere\x1b[3Cworld\r\n"), "hello there   world\r\n");
  assertEquals(plain("\x1b[31mred\x1b[0m \x1b[1mbold\x1b[22m\x1b[K\n"), "red bold\n");
  assertEquals(plain("a\x1b[99999Cb"), `a${" ".repeat(1000)}b`, "a huge move is capped");
});

Deno.test("PlainText: a move to another row breaks the line, a move to a column leaves a space", () => {
  // A TUI laying out words by position: each row's words on a line of their own.
  assertEquals(plain("\x1b[2J\x1b[5;10HBOX\x1b[7;1Hisatty=yes\x1b[9;1Hanswer=ok"), "BOX\nisatty=yes\nanswer=ok");
  assertEquals(plain("name\x1b[20Gvalue"), "name value");
  assertEquals(plain("up\x1b[Adown\x1b[2Bnext"), "up\ndown\nnext");
});

Deno.test("PlainText: a gap before a line's end or at a line's start adds nothing", () => {
  assertEquals(plain("done\x1b[1;1H\r\n"), "done\r\n");
  assertEquals(plain("line\n\x1b[3;4Hmoved\n"), "line\nmoved\n");
  assertEquals(plain("\x1b[H\x1b[2Jfirst"), "first");
});

Deno.test("PlainText: a sequence cut in two by a read is held until its end", () => {
  assertEquals(plain("one\x1b[", "5;1Htwo\x1b", "[3Cthree"), "one\ntwo   three");
  assertEquals(plain("a\x1b[3", "1mb"), "ab");
});
