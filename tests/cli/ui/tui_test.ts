/** `watch`'s pure parts (cli/ui/tui.ts) and the session screen (supervisor/screen.ts) on real files. */
import { assert, assertEquals } from "../../assert.ts";
import { type Frame, parseKeys, renderFrame } from "../../../src/cli/ui/tui.ts";
import { SessionScreen } from "../../../src/supervisor/screen.ts";

Deno.test("parseKeys: arrows, Enter, Backspace, Ctrl-C, printable text; unknown CSI sequences are skipped", () => {
  assertEquals(parseKeys("\x1b[A\x1b[B\x1bOA\x1bOB"), [
    { kind: "up" },
    { kind: "down" },
    { kind: "up" },
    { kind: "down" },
  ]);
  assertEquals(parseKeys("\r\n"), [{ kind: "enter" }, { kind: "enter" }]);
  assertEquals(parseKeys("\x7f\b"), [{ kind: "backspace" }, { kind: "backspace" }]);
  assertEquals(parseKeys("\x03"), [{ kind: "interrupt" }]);
  assertEquals(parseKeys("\x04"), [{ kind: "interrupt" }]);
  assertEquals(parseKeys("a Zé"), [
    { kind: "char", ch: "a" },
    { kind: "char", ch: " " },
    { kind: "char", ch: "Z" },
    { kind: "char", ch: "é" },
  ]);
  // Right arrow with Ctrl, a function key, bracketed paste markers: skipped whole, nothing leaks.
  assertEquals(parseKeys("\x1b[1;5Cx\x1b[15~y\x1b[200~z\x1b[201~"), [
    { kind: "char", ch: "x" },
    { kind: "char", ch: "y" },
    { kind: "char", ch: "z" },
  ]);
  assertEquals(parseKeys("\x1b"), [{ kind: "escape" }]);
  assertEquals(parseKeys("\x1bq"), [{ kind: "escape" }, { kind: "char", ch: "q" }]);
  assertEquals(parseKeys("\t\x01\x1b[5"), [], "other control bytes and a cut-off CSI make no key");
  assertEquals(parseKeys(""), []);
});

const ESC = String.fromCharCode(27);
const CSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g");
const visible = (row: string) => [...row.replace(CSI, "")].length;

function frame(over: Partial<Frame> = {}): Frame {
  return {
    cols: 80,
    rows: 24,
    title: " looop watch — /data",
    sessions: [
      { id: "pulse", state: "running", runner: "", age: "2h", ask: false, live: true },
      { id: "w1", state: "exit 7", runner: "claude", age: "5m", ask: true, live: false },
      { id: "a-very-long-worker-id-indeed", state: "killed", runner: "pi", age: "1d", ask: false, live: false },
    ],
    selected: 1,
    pane: ["$ make", "x".repeat(200), "", "    BOX"],
    paneTitle: "w1",
    status: " ↑↓ select  n next ask  enter reopen  a answer  t tell  x kill  q quit",
    colour: false,
    ...over,
  };
}

/** The frame's rows: it homes the cursor, then writes each row and clears to its end. */
function rowsOf(out: string): string[] {
  assert(out.startsWith("\x1b[H"), "a frame starts at home");
  const rows = out.slice(3).split("\r\n");
  for (const r of rows) assert(r.endsWith("\x1b[K"), `each row clears its rest: ${JSON.stringify(r)}`);
  return rows.map((r) => r.slice(0, -3));
}

Deno.test("renderFrame: 80×24 is exactly 24 rows of 80 columns, with no escapes but layout when colour is off", () => {
  const out = renderFrame(frame());
  const rows = rowsOf(out);
  assertEquals(rows.length, 24);
  for (const [i, r] of rows.entries()) assertEquals(visible(r), 80, `row ${i}: ${JSON.stringify(r)}`);
  assert(!rows.join("").includes("\x1b"), "no colour or attribute escapes when colour is off");

  assertEquals(rows[0].trimEnd(), " looop watch — /data");
  assertEquals(rows[1].trimEnd(), " sessions                       │ w1");
  // The list: the selected row is marked, the one with a pending ask too; its health, runner and
  // age; a long id is cut.
  assertEquals(rows[2].slice(0, 33), "  pulse      running        2h  │");
  assertEquals(rows[3].slice(0, 33), ">?w1         exit 7  claude 5m  │");
  assertEquals(rows[4].slice(0, 33), "  a-very-lon killed  pi     1d  │");
  assertEquals(rows[5].slice(0, 33), " ".repeat(32) + "│");
  // The pane: the session's screen, each line cut to the pane.
  assertEquals(rows[2].slice(33).trimEnd(), "$ make");
  assertEquals(rows[3].slice(33), "x".repeat(47));
  assertEquals(rows[5].slice(33).trimEnd(), "    BOX");
  assertEquals(rows[23].trimEnd(), " ↑↓ select  n next ask  enter reopen  a answer  t tell  x kill  q quit");
});

Deno.test("renderFrame: with colour the title and selection are reversed, ended sessions dimmed, widths kept", () => {
  const rows = rowsOf(renderFrame(frame({ colour: true, selected: 0 })));
  assertEquals(rows.length, 24);
  for (const [i, r] of rows.entries()) assertEquals(visible(r), 80, `row ${i}: ${JSON.stringify(r)}`);
  assert(rows[0].startsWith("\x1b[7m"), rows[0]);
  assert(rows[2].startsWith("\x1b[7m>"), `the selected row is reversed: ${rows[2]}`);
  assert(rows[3].startsWith("\x1b[2m"), `an ended session is dimmed: ${rows[3]}`);
  // A live worker is not dimmed, whatever its health says.
  const stuck = rowsOf(renderFrame(frame({
    colour: true,
    selected: 0,
    sessions: [frame().sessions[0], { id: "w2", state: "stuck", runner: "pi", age: "20m", ask: false, live: true }],
  })));
  assertEquals(stuck[3].slice(0, 33), "  w2         stuck   pi     20m │", "not dimmed: it runs");
  assert(!new RegExp(`${ESC}\\[[34]\\d`).test(rows.join("")), "attributes only, no colours");
});

Deno.test("renderFrame: a coloured pane line (the pulse log) keeps the pane's width, cut or padded", () => {
  const rows = rowsOf(
    renderFrame(frame({ pane: [`12:00:00 \x1b[33mpause   \x1b[39m ${"p".repeat(60)}`, "\x1b[36mup\x1b[39m"] })),
  );
  for (const [i, r] of rows.entries()) assertEquals(visible(r), 80, `row ${i}: ${JSON.stringify(r)}`);
  assertEquals(rows[2].slice(33), `12:00:00 \x1b[33mpause   \x1b[39m ${"p".repeat(29)}`);
  assertEquals(rows[3].slice(33), `\x1b[36mup\x1b[39m${" ".repeat(45)}`);
});

Deno.test("renderFrame: more sessions than rows, a small terminal and an empty model keep the frame's size", () => {
  const many = Array.from(
    { length: 40 },
    (_, i) => ({ id: `w${i}`, state: "busy", runner: "pi", age: "1s", ask: false, live: true }),
  );
  for (const f of [frame({ sessions: many, selected: 30 }), frame({ cols: 60, rows: 10 }), frame({ sessions: [] })]) {
    const rows = rowsOf(renderFrame(f));
    assertEquals(rows.length, f.rows);
    for (const r of rows) assertEquals(visible(r), f.cols, JSON.stringify(r));
  }
});

Deno.test("SessionScreen replays clears and cursor moves, and picks up what the log gains", async () => {
  const dir = await Deno.makeTempDir({ prefix: "looop-screen-test-" });
  const log = `${dir}/output.log`;
  const screen = new SessionScreen(log, 20, 5);
  try {
    assertEquals(await screen.update(), false, "no log yet");
    assertEquals(screen.lines(), ["", "", "", "", ""]);

    await Deno.writeTextFile(log, "noise\r\nmore noise\x1b[2J\x1b[3;5Hhello\x1b[1;1Htop");
    assertEquals(await screen.update(), true);
    assertEquals(screen.lines(), ["top", "", "    hello", "", ""]);
    assertEquals(await screen.update(), false, "nothing new");

    await Deno.writeTextFile(log, "\x1b[5;1Hlast\x1b[3;5H\x1b[KHEL", { append: true });
    assertEquals(await screen.update(), true);
    assertEquals(screen.lines(), ["top", "", "    HEL", "", "last"]);

    // A character whose bytes arrive in two appends is decoded whole.
    const e = new TextEncoder().encode("é");
    await Deno.writeFile(log, new Uint8Array([0x1b, 0x5b, 0x32, 0x3b, 0x31, 0x48, e[0]]), { append: true });
    await screen.update();
    await Deno.writeFile(log, e.slice(1), { append: true });
    assertEquals(await screen.update(), true);
    assertEquals(screen.lines()[1], "é");
  } finally {
    screen.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseKeys: Page Up/Down, Home/End in their forms, and the SGR mouse wheel; clicks make no key", () => {
  assertEquals(parseKeys("\x1b[5~\x1b[6~"), [{ kind: "pageup" }, { kind: "pagedown" }]);
  assertEquals(parseKeys("\x1b[H\x1b[F\x1bOH\x1bOF\x1b[1~\x1b[4~\x1b[7~\x1b[8~"), [
    { kind: "home" },
    { kind: "end" },
    { kind: "home" },
    { kind: "end" },
    { kind: "home" },
    { kind: "end" },
    { kind: "home" },
    { kind: "end" },
  ]);
  // The wheel up and down, the same with Ctrl held; a click and its release, then a key.
  assertEquals(parseKeys("\x1b[<64;10;5M\x1b[<65;10;5M\x1b[<80;1;1M\x1b[<0;3;4M\x1b[<0;3;4mq"), [
    { kind: "wheelup" },
    { kind: "wheeldown" },
    { kind: "wheelup" },
    { kind: "char", ch: "q" },
  ]);
});

/** A screen fed `text` through a real log file. */
async function screenOf(text: string, cols: number, rows: number, scrollback?: number) {
  const dir = await Deno.makeTempDir({ prefix: "looop-screen-test-" });
  await Deno.writeTextFile(`${dir}/output.log`, text);
  const screen = new SessionScreen(`${dir}/output.log`, cols, rows, scrollback);
  while (await screen.update()) { /* read it all */ }
  return {
    screen,
    [Symbol.asyncDispose]: async () => {
      screen.dispose();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("SessionScreen.view: a shorter, narrower pane shows the screen's foot, rows cut and never wrapped", async () => {
  // 30×8: a first row wider than the pane, a status line on the last row.
  await using s = await screenOf(`\x1b[2J\x1b[1;1H${"T".repeat(30)}\x1b[4;1Hmiddle\x1b[8;1HSTATUS ok`, 30, 8);
  const v = s.screen.view(4, 10);
  assertEquals(v.lines, ["", "", "", "STATUS ok"]);
  assertEquals([v.top, v.liveTop], [4, 4]);
  assertEquals(s.screen.view(4, 10, 0).lines, ["T".repeat(10), "", "", "middle"], "scrolled to the top");
  assertEquals(s.screen.view(4, 10, 99).top, 4, "never past the live view");
  assertEquals(s.screen.view(20, 40).lines.slice(0, 9), [
    "T".repeat(30),
    "",
    "",
    "middle",
    "",
    "",
    "",
    "STATUS ok",
    "",
  ]);
});

Deno.test("SessionScreen.view: a screen with a few lines shows them from the top; scrollback is kept above", async () => {
  {
    await using s = await screenOf("one\r\ntwo\r\n", 20, 10);
    assertEquals(s.screen.view(5, 20).lines, ["one", "two", "", "", ""], "the cursor's row is the foot");
  }
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\r\n");
  await using s = await screenOf(lines, 20, 10, 30);
  const live = s.screen.view(4, 20);
  assertEquals(live.lines, ["line 47", "line 48", "line 49", "line 50"]);
  // 30 lines of scrollback and the 10 on screen: the 10 oldest are gone.
  assertEquals(s.screen.view(4, 20, 0).lines, ["line 11", "line 12", "line 13", "line 14"]);
  assertEquals(live.liveTop, 36);
  assertEquals(s.screen.lines(), Array.from({ length: 10 }, (_, i) => `line ${i + 41}`), "lines() is the screen");
});

Deno.test("SessionScreen: a log of several megabytes replays in steps, and reports how far it got", async () => {
  const big = Array.from({ length: 40_000 }, (_, i) => `\x1b[32mrow ${i}\x1b[0m ${"x".repeat(40)}`).join("\r\n");
  const dir = await Deno.makeTempDir({ prefix: "looop-screen-test-" });
  try {
    await Deno.writeTextFile(`${dir}/output.log`, big);
    const screen = new SessionScreen(`${dir}/output.log`, 80, 24);
    assertEquals(screen.progress(), { read: 0, size: big.length });
    assertEquals(await screen.update(), true);
    assertEquals(screen.progress(), { read: 1 << 20, size: big.length }, "one step reads a megabyte");
    while (await screen.update()) { /* the rest */ }
    assertEquals(screen.progress(), { read: big.length, size: big.length });
    assertEquals(screen.lines()[23], `row 39999 ${"x".repeat(40)}`);
    screen.dispose();
    assertEquals(await screen.update(), false, "a disposed screen reads nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderFrame: the list scrolls to keep the selected session visible", () => {
  const many = Array.from(
    { length: 40 },
    (_, i) => ({ id: `w${i}`, state: "busy", runner: "pi", age: "1s", ask: false, live: true }),
  );
  const rows = rowsOf(renderFrame(frame({ sessions: many, selected: 30 })));
  const listed = rows.slice(2, 23).map((r) => r.slice(0, 32));
  assert(listed.some((r) => r.startsWith(">") && r.includes("w30")), listed.join("\n"));
  assert(!listed.some((r) => r.includes(" w0 ")), "the top of the list scrolled away");
});

Deno.test("renderFrame: a terminal under 40x8 gets one line saying so, never wider than the terminal", () => {
  for (const [cols, rows] of [[30, 24], [80, 5], [12, 3]]) {
    const out = renderFrame(frame({ cols, rows }));
    const text = out.replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, "g"), "");
    assert(!text.includes("\n"), JSON.stringify(out));
    assert([...text].length <= cols, `${cols}x${rows}: ${JSON.stringify(text)}`);
    assert("looop watch needs 40x8; q quits".startsWith(text.trimEnd()), text);
  }
});
