/** `_ screenshot <id>`: a worker's screen as plain text, as `watch` draws it, through the real CLI and a real host. */
import { assertEquals } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { withLab } from "../supervisor/helpers.ts";

Deno.test("`_ screenshot` prints the screen a worker drew with cursor movement, at its size or --cols/--rows", async () => {
  await withLab(async (lab) => {
    await lab.start(
      "w1",
      [
        String.raw`printf '\033[31mgone\033[0m\033[2J\033[5;10HBOX\033[7;1H\033[1mdone\033[0m\033[9;1H'`,
        "exec sleep 1000",
      ].join("\n"),
    );
    await eventually(
      async () => (await Deno.readTextFile(`${lab.dir}/sessions/w1/output.log`)).includes("\x1b[9;1H"),
      "the drawing in output.log",
    );
    // Cleared, then BOX at row 5 column 10 and done at row 7; no escapes, no trailing blank rows.
    const shot = await lab.run(["_", "screenshot", "w1"]);
    assertEquals([shot.code, shot.stdout, shot.stderr], [0, "\n\n\n\n         BOX\n\ndone\n", ""]);
    // Six rows: the move to row 7 stops at the last one; twelve columns still hold BOX.
    const small = await lab.run(["_", "screenshot", "w1", "--cols", "12", "--rows", "6"]);
    assertEquals([small.code, small.stdout, small.stderr], [0, "\n\n\n\n         BOX\ndone\n", ""]);

    // Resized by a request in its inbox, the session's size is the new one.
    const inbox = `${lab.dir}/sessions/w1/inbox`;
    await Deno.writeTextFile(`${inbox}/.resize.tmp`, JSON.stringify({ cols: 12, rows: 6 }));
    await Deno.rename(`${inbox}/.resize.tmp`, `${inbox}/1.resize.json`);
    await eventually(async () => (await lab.meta("w1") as { cols?: number }).cols === 12, "the new size in meta.json");
    const resized = await lab.run(["_", "screenshot", "w1"]);
    assertEquals([resized.code, resized.stdout], [0, small.stdout]);
  });
});

Deno.test("`_ screenshot` refuses an unknown id and a bad size in one line each", async () => {
  await withLab(async (lab) => {
    const unknown = await lab.run(["_", "screenshot", "nope"]);
    assertEquals([unknown.code, unknown.stdout, unknown.stderr], [
      1,
      "",
      "looop: no session 'nope' — see `looop _ sessions`\n",
    ]);
    const bad = await lab.run(["_", "screenshot", "../x"]);
    assertEquals([bad.code, bad.stdout], [2, ""]);
    for (const size of ["0", "wide", "1.5"]) {
      const r = await lab.run(["_", "screenshot", "nope", "--cols", size]);
      assertEquals([r.code, r.stdout, r.stderr], [
        2,
        "",
        `looop: --cols must be a whole number of cells from 1 to 1000, got '${size}' — e.g. --cols 80\n`,
      ]);
    }
  });
});
