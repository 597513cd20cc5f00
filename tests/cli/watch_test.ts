/**
 * The worker's terminal and `looop watch` (SPEC §4, §8): a real pseudo-terminal for the worker,
 * the TUI driven by keys inside tmux, and the plain log stream without a terminal.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { groupMembers, type Lab, looopCommandLine, quote, streamLooop, Tmux, withLab } from "../supervisor/helpers.ts";

/** Where the selected session's screen starts in the watch frame: after the list and its border. */
const PANE_TOP = 2;
/** Select Graphic Rendition: colours and attributes. */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);

Deno.test("the worker runs in a real terminal; `watch` shows its screen and answers, kills and quits by key", async () => {
  await withLab(async (lab) => {
    const m = await lab.start(
      "w1",
      [
        "if [ -t 0 ] && [ -t 1 ]; then t=yes; else t=no; fi",
        String.raw`printf '\033[2J\033[5;10HBOX\033[7;1Hisatty=%s' "$t"`,
        'a=$("$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "deploy?")',
        String.raw`printf '\033[9;1Hanswer=%s' "$a"`,
        'mark answer "$a"',
        "exec sleep 1000",
      ].join("\n"),
    );
    await eventually(async () => {
      const r = await lab.run(["_", "asks", "--json"]);
      return JSON.parse(r.stdout).length === 1;
    }, "the worker's ask");
    const envWords = Object.entries(lab.env).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
    const rc = lab.out("watch.rc");
    const tmux = await Tmux.start(
      `${lab.base}/tmux.sock`,
      "watch",
      `env ${envWords} ${looopCommandLine} watch w1; echo $? > ${quote(rc)}`,
    );
    try {
      // The screen the worker drew with cursor movement, at its place in the pane.
      const box = await tmux.waitFor((row) => row.includes("BOX"), "BOX on the pane");
      const border = box.rows[PANE_TOP].indexOf("│");
      assertEquals(border, 32, `the list is 32 columns wide:\n${box.rows.join("\n")}`);
      assertEquals(box.at, PANE_TOP + 4, "BOX is on the pane's 5th row");
      assertEquals(box.rows[box.at].indexOf("BOX"), border + 1 + 9, "BOX is at the pane's 10th column");
      assertEquals(box.rows[PANE_TOP + 6].slice(border + 1), "isatty=yes");
      assertMatch(await Deno.readTextFile(`${lab.dir}/sessions/w1/output.log`), /isatty=yes/);
      // No colour with NO_COLOR: the pane's cells carry no SGR attribute at all.
      const escaped = (await tmux.capture(true)).join("\n");
      assert(!SGR.test(escaped), `SGR codes with NO_COLOR: ${JSON.stringify(escaped.slice(0, 300))}`);

      // `a`, an answer, Enter: the ask is answered and the worker goes on with it.
      await tmux.waitFor((row) => row.startsWith(">?w1 "), "w1 selected and marked as asking");
      await tmux.keys("a");
      await tmux.waitFor((row) => row.includes(" answer w1-1 (deploy?): _"), "the answer prompt");
      await tmux.type("ship it");
      await tmux.waitFor((row) => row.includes(" answer w1-1 (deploy?): ship it_"), "the typed answer");
      await tmux.keys("Enter");
      assertEquals(await lab.marker("answer", "the worker to get the answer"), "ship it");
      assertEquals(JSON.parse((await lab.run(["_", "asks", "--json"])).stdout), []);
      await tmux.waitFor((row) => row.includes(" answered w1-1"), "the answered message");
      await tmux.waitFor((row) => row.slice(border + 1) === "answer=ship it", "the worker's answer on the pane");

      // `x`, then `y`: the worker is killed with everything it started.
      await tmux.keys("x");
      await tmux.waitFor((row) => row.includes("kill w1 and everything it started? (y/n)"), "the kill question");
      await tmux.keys("y");
      await tmux.waitFor((row) => row.includes(" killed w1"), "the killed message");
      assertEquals((await lab.row("w1"))?.state, "killed");
      await eventually(async () => (await groupMembers(m.pid)).length === 0, "nothing left of w1's group", 5000);
      await tmux.waitFor((row) => /^> w1 +killed /.test(row), "w1 listed as killed");

      // `q`: watch exits 0 and the tmux session (its only command) ends.
      await tmux.keys("q");
      await eventually(async () => !(await tmux.alive()), "the tmux session to end after q");
      assertEquals(await lab.marker("watch.rc"), "0");
    } finally {
      await tmux.killServer();
    }
  });
});

Deno.test("`watch` draws with attributes on a terminal when NO_COLOR is unset", async () => {
  await withLab(async (lab) => {
    await lab.start("w1", "echo hello from w1\nexec sleep 1000");
    const env = { ...lab.env };
    delete env.NO_COLOR;
    const envWords = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
    const tmux = await Tmux.start(`${lab.base}/tmux.sock`, "colour", `env ${envWords} ${looopCommandLine} watch w1`);
    try {
      await tmux.waitFor((row) => row.includes("hello from w1"), "the worker's output on the pane");
      const escaped = (await tmux.capture(true)).join("\n");
      assert(escaped.includes("\x1b[7m"), `the title in reverse video: ${JSON.stringify(escaped.slice(0, 300))}`);
      await tmux.keys("q");
      await eventually(async () => !(await tmux.alive()), "the tmux session to end after q");
    } finally {
      await tmux.killServer();
    }
    const k = await lab.run(["_", "kill", "w1"]);
    assertEquals(k.code, 0, k.stderr);
  });
});

Deno.test("without a terminal, `watch <id>` streams the plain log and exits 0 when the session ends", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "0"; // the tell below is typed in at once
    await lab.start(
      "w1",
      [
        String.raw`printf '\033[31mhello-red\033[0m\r\n\033[2J\033[3;4Hmoved\r\n'`,
        "read -r line",
        'echo "bye:$line"',
      ].join("\n"),
    );
    const watch = streamLooop(["watch", "w1"], lab.env);
    await eventually(() => Promise.resolve(watch.stdout().includes("moved")), "the log so far on stdout");
    assertEquals((await lab.row("w1"))?.state, "running", "streamed while the session still runs");
    const t = await lab.run(["_", "tell", "w1", "go"]);
    assertEquals(t.code, 0, t.stderr);
    const r = await watch.done;
    assertEquals([r.code, r.stderr], [0, ""]);
    assertEquals((await lab.row("w1"))?.state, "exited");
    // The terminal echoes the typed "go" before or after the answer, as its timing falls.
    assertMatch(r.stdout, /^hello-red\r*\nmoved\r*\n(go\r*\n)?bye:go\r*\n(go\r*\n)?$/);
    assert(!r.stdout.includes("\x1b"), `escape sequences in the stream: ${JSON.stringify(r.stdout)}`);
  });
});

Deno.test("without a terminal, `watch <id>` keeps the spaces and rows a worker drew with cursor moves", async () => {
  await withLab(async (lab) => {
    await lab.start(
      "w1",
      String.raw`printf 'hello\033[Cthere\033[3Cworld\033[5;10HBOX\033[7;1Hname\033[20Gvalue\033[1;1H\r\n'`,
    );
    const watch = streamLooop(["watch", "w1"], lab.env);
    const r = await watch.done;
    assertEquals([r.code, r.stderr], [0, ""]);
    assertEquals(r.stdout.replace(/\r/g, ""), "hello there   world\nBOX\nname value\n");
  });
});

Deno.test("`watch` with no id and no terminal exits 2 with one line; an unknown id exits 1", async () => {
  await withLab(async (lab) => {
    const r = await lab.run(["watch"]);
    assertEquals([r.code, r.stdout], [2, ""]);
    assertEquals(
      r.stderr,
      "looop: watch needs a terminal — to stream one session's log, pass its id: looop watch <id>\n",
    );
    const u = await lab.run(["watch", "nope"]);
    assertEquals([u.code, u.stdout, u.stderr], [1, "", "looop: no session 'nope' — see `looop _ sessions`\n"]);
  });
});

Deno.test("`watch` says in its status line when looop is paused, and stops saying it after `looop resume`", async () => {
  await withLab(async (lab) => {
    await lab.start("w1", "echo hello from w1\nexec sleep 1000");
    assertEquals((await lab.run(["pause", "--reason", "incident 7"])).code, 0);
    const envWords = Object.entries(lab.env).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
    const tmux = await Tmux.start(
      `${lab.base}/tmux.sock`,
      "paused",
      `env ${envWords} ${looopCommandLine} watch w1`,
      220,
    );
    try {
      await tmux.waitFor(
        (row) => / · PAUSED since \S+ \(incident 7\): `looop resume` · /.test(row),
        "the pause",
      );
      assertEquals((await lab.run(["resume"])).code, 0);
      await tmux.waitFor((row) => row.includes(" · no asks · ") && !row.includes("PAUSED"), "the status without it");
      await tmux.keys("q");
      await eventually(async () => !(await tmux.alive()), "the tmux session to end after q");
    } finally {
      await tmux.killServer();
    }
    assertEquals((await lab.run(["_", "kill", "w1"])).code, 0);
  });
});

Deno.test("`watch`: the pulse pane is one readable line per event; the status line shows asks, spend, a pause, the pulse down", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_INTERVAL = "3600";
    // A runner whose decide prints raw JSON stream lines (and no move): the pane must not show them.
    await Deno.writeTextFile(
      `${lab.base}/tick.sh`,
      `printf '%s\\n' '{"type":"system","subtype":"init"}' '{"type":"assistant","text":"thinking"}'\n`,
    );
    const interactive = `bash ${quote(`${lab.base}/run-worker.sh`)} {{prompt_file}}`;
    await lab.configure({
      runners: { fake: { tick: `bash ${quote(`${lab.base}/tick.sh`)}`, interactive } },
      max_daily_usd: 5,
    });
    assertEquals((await lab.run(["up", "--json"])).code, 0);
    await eventually(async () => {
      const log = await Deno.readTextFile(`${lab.dir}/sessions/pulse/output.log`).catch(() => "");
      return log.includes('"decide.stream"') && log.includes('"beat.receipt"');
    }, "a beat with the runner's stream in the pulse log");
    await lab.start("w1", 'a=$("$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "deploy?")\nexec sleep 1000');
    await eventually(async () => JSON.parse((await lab.run(["_", "asks", "--json"])).stdout).length === 1, "the ask");
    assertEquals((await lab.run(["_", "cost", "session", "w1", "fake", "0.25"])).code, 0);

    const envWords = Object.entries(lab.env).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
    const tmux = await Tmux.start(`${lab.base}/tmux.sock`, "pulse", `env ${envWords} ${looopCommandLine} watch`, 160);
    try {
      const shown = await tmux.waitFor(
        (row) => / decide +fake \d/.test(row),
        "the decide with its runner and duration",
      );
      const border = shown.rows[PANE_TOP].indexOf("│");
      const pane = shown.rows.filter((r) => r[border] === "│").slice(1).map((r) => r.slice(border + 1)).filter((r) =>
        r.trim()
      );
      // No raw JSON, no staircase: each event is its own line, starting at the pane's left edge.
      for (const row of pane) {
        assert(!row.includes("{"), `raw JSON on the pane:\n${pane.join("\n")}`);
        assertMatch(row, /^\d\d:\d\d:\d\d \S/, `not an event line:\n${pane.join("\n")}`);
      }
      assert(pane.some((r) => / beat +/.test(r)), `a beat's receipt:\n${pane.join("\n")}`);
      const status = await tmux.waitFor(
        (row) => row.includes(" pulse up ") && row.includes("1 ask (oldest ") && row.includes("$0.25 today of $5.00"),
        "the status line: the pulse, the ask and the spend",
      );
      assertEquals(status.at, 0, "the status line is the top line");
      assert(/ · last decide \d+[smhd] ago · /.test(status.rows[0]), status.rows[0]);
      // No colour with NO_COLOR: the log's levels are not coloured either.
      const escaped = (await tmux.capture(true)).join("\n");
      assert(!SGR.test(escaped), `SGR codes with NO_COLOR: ${JSON.stringify(escaped.slice(0, 300))}`);

      // n: to the next worker waiting on an ask, the pulse's log replaced by its screen.
      await tmux.keys("n");
      await tmux.waitFor((row) => /^>\?w1 +asking +fake /.test(row), "w1 selected, asking, its runner shown");

      assertEquals((await lab.run(["pause", "--reason", "incident 7"])).code, 0);
      await tmux.waitFor((row) => row.includes(" · PAUSED since ") && row.includes("(incident 7)"), "the pause");
      assertEquals((await lab.run(["down"])).code, 0);
      await tmux.waitFor((row) => row.startsWith(" pulse down: run `looop up` · PAUSED"), "how to start the pulse");
      await tmux.keys("q");
      await eventually(async () => !(await tmux.alive()), "the tmux session to end after q");
    } finally {
      await tmux.killServer();
    }
  });
});

/** `watch <id>` in a tmux terminal of `cols`×`rows`, with the lab's environment. */
function watchIn(lab: Lab, name: string, id: string, cols: number, rows: number): Promise<Tmux> {
  const envWords = Object.entries(lab.env).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
  return Tmux.start(`${lab.base}/${name}.sock`, name, `env ${envWords} ${looopCommandLine} watch ${id}`, cols, rows);
}

Deno.test("`watch`: a full-screen program drawn at 120×40 keeps its status line whole in a smaller pane, through resizes", async () => {
  await withLab(async (lab) => {
    const status = "STATUS gpt-5 | 12% context | esc to interrupt";
    // The alternate screen, a first row as wide as the terminal, a status line on its last row.
    await lab.start(
      "tui",
      [
        String.raw`printf '\033[?1049h\033[2J\033[1;1H%s' "$(printf 'T%.0s' $(seq 1 120))"`,
        String.raw`printf '\033[20;1Hmiddle of the screen'`,
        String.raw`printf '\033[40;1H%s' '${status}'`,
        "exec sleep 1000",
      ].join("\n"),
    );
    assertEquals([(await lab.meta("tui")).cols, (await lab.meta("tui")).rows], [120, 40]);
    const tmux = await watchIn(lab, "fullscreen", "tui", 120, 35); // a pane of 87×32
    try {
      const seen = await tmux.waitFor((row) => row.includes("STATUS"), "the status line on the pane");
      const border = seen.rows[PANE_TOP].indexOf("│");
      assertEquals(seen.rows[seen.at].slice(border + 1).trimEnd(), status, "the status line intact, not wrapped");
      assertEquals(seen.at, PANE_TOP + 31, "on the pane's last row, as on the screen's");
      assert(
        seen.rows[PANE_TOP - 1].includes("tui · 120×40"),
        `the pane's title names the screen's size: ${seen.rows[1]}`,
      );
      assert(
        !seen.rows.some((r) => r.includes("TTT")),
        "the wide first row is above the live view, not wrapped into it",
      );
      // Scrolled to the top, the first row shows cut to the pane's width, on one row.
      await tmux.keys("Home");
      const top = await tmux.waitFor((row) => row.includes("TTT"), "the screen's first row after Home");
      assertEquals(top.at, PANE_TOP);
      assertEquals(top.rows[top.at].slice(border + 1), "T".repeat(87));
      assert(!top.rows[top.at + 1].includes("T"), "the first row's rest is cut, not wrapped onto the next");
      assert(!top.rows.some((r) => r.includes("STATUS")), "the status line is below the view scrolled to the top");
      await tmux.keys("End");
      await tmux.waitFor((row) => row.slice(border + 1).trimEnd() === status, "the live view again after End");
      // A smaller terminal, then a larger one: a window onto the same screen, the status line whole each time.
      for (const [cols, rows] of [[90, 20], [120, 35]]) {
        const r = await tmux.tmux("resize-window", "-t", "fullscreen", "-x", String(cols), "-y", String(rows));
        assertEquals(r.code, 0, r.stderr);
        // On the pane's last row (the frame's last but one), cut to the pane's width if it must be.
        const frame = await eventually(async () => {
          const now = await tmux.capture();
          return now.length >= rows && now[rows - 2].slice(33).trimEnd() === status.slice(0, cols - 33)
            ? now
            : undefined;
        }, `the status line on the pane's last row at ${cols}×${rows}`);
        assertEquals(frame.filter((row) => row.includes("STATUS")).length, 1, frame.join("\n"));
        assertEquals(frame.some((row) => row.slice(33).startsWith("middle of the screen")), rows > 22);
      }
      assertEquals(
        [(await lab.meta("tui")).cols, (await lab.meta("tui")).rows],
        [120, 40],
        "watch left the worker's size",
      );
      await tmux.keys("q");
      await eventually(async () => !(await tmux.alive()), "the tmux session to end after q");
    } finally {
      await tmux.killServer();
    }
    assertEquals((await lab.run(["_", "kill", "tui"])).code, 0);
  });
});

Deno.test("`watch`: PgUp, PgDn, the mouse wheel and Home scroll back through a worker's output; End goes live", async () => {
  await withLab(async (lab) => {
    await lab.start("long", 'for i in $(seq 1 300); do echo "line $i"; done\nexec sleep 1000');
    const tmux = await watchIn(lab, "scroll", "long", 80, 24); // a pane of 47×21
    try {
      const live = await tmux.waitFor((row) => row.endsWith("│line 300"), "the last line on the pane");
      const at = (n: number) => (r: string) => r.endsWith(`│line ${n}`);
      assert(!live.rows.some(at(279)), "line 279 is above the live view");
      await tmux.keys("PageUp");
      const up = await tmux.waitFor(at(279), "an earlier line after PageUp");
      assert(!up.rows.some(at(300)), "line 300 has scrolled out below");
      assert(up.rows[PANE_TOP - 1].includes("20 lines back · End: live"), `the title says how far back: ${up.rows[1]}`);
      // An SGR mouse report of the wheel turning down, then up.
      await tmux.type("\x1b[<65;50;10M");
      await tmux.waitFor((r) => r.includes("17 lines back"), "the wheel down scrolls 3 lines");
      await tmux.type("\x1b[<64;50;10M");
      await tmux.waitFor((r) => r.includes("20 lines back"), "the wheel up scrolls 3 lines back");
      await tmux.keys("Home");
      const oldest = await tmux.waitFor(at(1), "the first line after Home");
      assertEquals(oldest.at, PANE_TOP, "the first line at the pane's top");
      await tmux.keys("PageDown");
      await tmux.waitFor(at(21), "a later page after PageDown");
      await tmux.keys("End");
      await tmux.waitFor(at(300), "the live view after End");
      await tmux.keys("q");
      await eventually(async () => !(await tmux.alive()), "the tmux session to end after q");
    } finally {
      await tmux.killServer();
    }
    assertEquals((await lab.run(["_", "kill", "long"])).code, 0);
  });
});
