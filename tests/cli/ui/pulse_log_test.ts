/** The pulse pane's lines (cli/ui/pulse_log.ts) from the log as the pulse writes it (cli/ui/events.ts). */
import { assert, assertEquals } from "../../assert.ts";
import { formatEvent } from "../../../src/cli/ui/events.ts";
import { parseLogLine, PulseLog } from "../../../src/cli/ui/pulse_log.ts";
import type { LogEvent } from "../../../src/core/log.ts";

const events: LogEvent[] = [
  { ts: "2026-12-01T10:00:00.000Z", level: "info", event: "pulse.start", msg: "pulse up (pid 7), runner claude" },
  { ts: "2026-12-01T10:00:01.000Z", level: "debug", event: "beat.start", msg: "beat" },
  { ts: "2026-12-01T10:00:01.100Z", level: "info", event: "decide.start", msg: "asking claude", runner: "claude" },
  { ts: "2026-12-01T10:00:02.000Z", level: "debug", event: "decide.stream", msg: '{"type":"assistant","text":"x"}' },
  {
    ts: "2026-12-01T10:00:13.600Z",
    level: "info",
    event: "decide.done",
    msg: "got a move",
    run_id: "r1",
    cost_usd: 0.0123,
  },
  { ts: "2026-12-01T10:00:14.000Z", level: "info", event: "move.done", msg: "start_worker w1: fix the build" },
  { ts: "2026-12-01T10:00:15.000Z", level: "warn", event: "move.refused", msg: "run_shell refused: rm -rf /" },
  { ts: "2026-12-01T10:01:00.000Z", level: "info", event: "beat.skip", msg: "world unchanged: no decide" },
  { ts: "2026-12-01T10:02:00.000Z", level: "warn", event: "pause", msg: "paused by a human (incident 7)" },
];
const want = [
  "10:00:00 up       pulse up (pid 7), runner claude",
  "10:00:13 decide   claude 12s $0.0123: got a move",
  "10:00:14 move     start_worker w1: fix the build",
  "10:00:15 refused  run_shell refused: rm -rf /",
  "10:01:00 skip     world unchanged: no decide",
  "10:02:00 pause    paused by a human (incident 7)",
];

for (const json of [true, false]) {
  Deno.test(`PulseLog: one readable line per event from the ${json ? "NDJSON" : "text"} log, the raw stream left out`, () => {
    const log = new PulseLog();
    const text = events.map((e) => formatEvent(e, { json, colour: !json }) + "\n").join("");
    // Fed in pieces cut anywhere: a line cut by a read waits for its end.
    for (let i = 0; i < text.length; i += 37) log.feed(text.slice(i, i + 37));
    const lines = log.tail(50, 200, false);
    // The text log has no cost field: the decide shows its runner and duration only.
    assertEquals(lines, json ? want : want.map((l) => l.replace(" $0.0123", "")));
    for (const l of lines) assert(!l.includes("{") && !l.includes("\x1b"), l);
  });
}

Deno.test("PulseLog: the tail is the last lines that fit, cut to the width; colour only when asked", () => {
  const log = new PulseLog();
  log.feed(events.map((e) => formatEvent(e, { json: true, colour: false }) + "\n").join(""));
  assertEquals(log.tail(2, 20, false), ["10:01:00 skip     wo", "10:02:00 pause    pa"]);
  const coloured = log.tail(1, 200, true)[0];
  assertEquals(coloured, "10:02:00 \x1b[33mpause   \x1b[39m paused by a human (incident 7)");
});

Deno.test("PulseLog: a decide in flight shows its runner; lines not events are kept as text; old lines are dropped", () => {
  const log = new PulseLog(3);
  log.feed("Error: boom\r\n    at main (x.ts:1)\n");
  log.feed(formatEvent(events[2], { json: true, colour: false }) + "\n");
  assertEquals(log.tail(10, 80, false), ["Error: boom", "    at main (x.ts:1)", "         decide   claude…"]);
  log.feed("a\nb\nc\n");
  assertEquals(log.tail(10, 80, false), ["a", "b", "c", "         decide   claude…"]);
});

Deno.test("parseLogLine: NDJSON and text events; anything else is not one", () => {
  assertEquals(parseLogLine('{"ts":"2026-12-01T10:00:00Z","level":"warn","event":"x","msg":"m","id":"w1"}'), {
    time: "10:00:00",
    level: "warn",
    event: "x",
    msg: "m",
    fields: { id: "w1" },
  });
  assertEquals(parseLogLine("10:00:00 beat.skip      world unchanged")?.msg, "world unchanged");
  assertEquals(parseLogLine('{"no":"event"}'), undefined);
  assertEquals(parseLogLine("{not json"), undefined);
  assertEquals(parseLogLine("plain words"), undefined);
});

Deno.test("PulseLog: scrolled back, the tail ends that many lines up, never past the oldest kept", () => {
  const log = new PulseLog();
  log.feed(Array.from({ length: 10 }, (_, i) => `10:00:0${i} beat.skip world unchanged ${i}`).join("\n") + "\n");
  const last = (rows: number, back: number) => log.tail(rows, 80, false, back).map((l) => l.slice(-1));
  assertEquals(log.backLimit(4), 6);
  assertEquals(last(4, 0), ["6", "7", "8", "9"]);
  assertEquals(last(4, 2), ["4", "5", "6", "7"]);
  assertEquals(last(4, 99), ["0", "1", "2", "3"], "at most to the oldest line");
  assertEquals(log.backLimit(20), 0, "a pane taller than the log cannot scroll");
  assertEquals(last(20, 5).length, 10);
});

Deno.test("PulseLog: a decide's end that says its runner and duration needs no start (a pane opened mid-log)", () => {
  const log = new PulseLog();
  const done = {
    ts: "2026-12-01T10:00:13.600Z",
    level: "info" as const,
    event: "decide.done",
    msg: "got a move",
    run_id: "r1",
    runner: "codex",
    duration_ms: 95_000,
    cost_usd: 0.5,
  };
  log.feed(formatEvent(done, { json: true, colour: false }) + "\n");
  assertEquals(log.tail(5, 200, false), ["10:00:13 decide   codex 1m35s $0.5000: got a move"]);
  // Its own fields win over a start the pane saw.
  log.feed(formatEvent(events[2], { json: true, colour: false }) + "\n");
  log.feed(formatEvent({ ...done, duration_ms: 2_500 }, { json: true, colour: false }) + "\n");
  assertEquals(log.tail(1, 200, false), ["10:00:13 decide   codex 2.5s $0.5000: got a move"]);
});
