/** watch's replaying Worker (supervisor/screens.ts): screens replayed off the drawing thread, read access to the data dir only. */
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { ScreenReplayer } from "../../src/supervisor/screens.ts";

Deno.test("ScreenReplayer: a log replayed in the Worker at its own size, windows onto it, a resize, a close", async () => {
  const root = await Deno.makeTempDir({ prefix: "looop-screens-test-" });
  const log = `${root}/output.log`;
  const replayer = new ScreenReplayer(root);
  try {
    await Deno.writeTextFile(log, Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\r\n"));
    const s = replayer.open(log, 40, 10);
    const first = await s.update(4, 20);
    assertEquals(first.got, true);
    assertEquals(first.view.lines, ["line 27", "line 28", "line 29", "line 30"]);
    assertEquals(first.progress.read, first.progress.size);
    assertEquals((await s.update(4, 20)).got, false, "nothing new");
    assertEquals((await s.view(2, 4, 0)).view.lines, ["line", "line"], "scrolled to the top, cut to 4 columns");
    assertEquals((await s.view(2, 20, 0)).view.lines, ["line 1", "line 2"]);
    // What the log gains is replayed from where it stopped, on a screen resized meanwhile.
    s.resize(10, 3);
    await Deno.writeTextFile(log, "\r\n0123456789ABCDEF", { append: true });
    const after = await s.update(3, 20);
    assertEquals(after.view.lines.slice(-2), ["0123456789", "ABCDEF"], "wrapped at the new width");
    s.dispose();
    await assertRejects(() => s.view(2, 20), /no screen/);
  } finally {
    replayer.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ScreenReplayer: the Worker reads nothing outside the data dir; a dead Worker fails every call", async () => {
  const root = await Deno.makeTempDir({ prefix: "looop-screens-test-" });
  const outside = await Deno.makeTempFile({ prefix: "looop-screens-outside-" });
  await Deno.writeTextFile(outside, "secret outside the data dir");
  const replayer = new ScreenReplayer(root);
  try {
    const s = replayer.open(outside, 40, 5);
    // The read is refused: the replay finds nothing, so the screen stays blank.
    const r = await s.update(5, 40).then((x) => x.view.lines.join(""), (e) => `refused: ${e.message}`);
    assert(!r.includes("secret"), `read outside the data dir: ${r}`);
    replayer.close();
    await assertRejects(() => s.update(5, 40), /ended/);
  } finally {
    replayer.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside);
  }
});
