/**
 * `looop watch` with 20 sessions and 5 MB of terminal output each (#17), beside baselines measured
 * in the same run:
 * - a frame (20 sessions, the pane the Worker's window onto a replayed 120×40 screen) vs an
 *   empty frame (no sessions, nothing in the pane);
 * - replaying one 5 MB log in watch's replaying Worker: how long, and the longest the drawing
 *   thread's event loop stalled meanwhile (what a key waits at worst) vs the same probe idle;
 * - input latency, key to redraw, of the real `looop watch` in a pseudo-terminal, stepping through
 *   the 20 sessions while their logs replay, vs an empty loop under the same Deno and permissions
 *   that redraws a frame per key.
 */
import { renderFrame, type SessionLine } from "../src/cli/ui/tui.ts";
import { ScreenReplayer, type ScreenState } from "../src/supervisor/screens.ts";
import { layout } from "../src/store/layout.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { sessionFiles, writeExit, writeMeta } from "../src/store/sessions.ts";
import { spawnPty } from "../src/sys/pty.ts";
import { PERMISSION_FLAGS } from "../src/sys/permissions.ts";
import { DENO, LOOOP, median } from "./measure.ts";

const SESSIONS = 20;
const LOG_BYTES = 5 * 1024 * 1024;
const COLS = 120;
const ROWS = 35;

/** Output like an agent's TUI: coloured text, a spinner redrawn in place, full redraws with a status line. */
function agentLog(bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const part = i % 50 === 49
      ? `\x1b[2J\x1b[H\x1b[1mredraw ${i}\x1b[22m\x1b[40;1H\x1b[7m gpt-5 · ${
        i % 100
      }% context · esc to interrupt \x1b[27m\x1b[2;1H`
      : i % 7 === 0
      ? `\x1b[2K\r\x1b[36m⠋\x1b[39m thinking… ${i}s\r`
      : `\x1b[32m●\x1b[39m step ${i}: read src/file_${i % 40}.ts and wrote \x1b[1m${i % 13} lines\x1b[22m\r\n`;
    parts.push(part);
    n += part.length;
  }
  return parts.join("");
}

async function seed() {
  const base = await Deno.makeTempDir({ prefix: "looop-watch-bench-" });
  const dd = await ensureDataDir(layout(`${base}/data`));
  const log = agentLog(LOG_BYTES);
  for (let i = 1; i <= SESSIONS; i++) {
    const id = `w${String(i).padStart(2, "0")}`;
    const f = sessionFiles(dd, id);
    await Deno.mkdir(f.inbox, { recursive: true });
    const started = new Date(Date.now() - (SESSIONS - i) * 60_000).toISOString();
    await writeMeta(dd, {
      id,
      runner: "pi",
      command: "pi",
      pid: 2 ** 22 + i,
      host_pid: 2 ** 22 + 100 + i,
      started,
      state: "exited",
      cols: 120,
      rows: 40,
    });
    await writeExit(dd, id, { code: 0, ts: new Date().toISOString() });
    await Deno.writeTextFile(f.output, log);
  }
  return { base, dd, log };
}

const lines = (n: number): SessionLine[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `w${String(i + 1).padStart(2, "0")}`,
    state: "exit 0",
    runner: "pi",
    age: "5m",
    ask: false,
    live: false,
  }));

function frameOf(sessions: SessionLine[], pane: string[]) {
  return renderFrame({
    cols: COLS,
    rows: ROWS,
    title: " looop up · 0 asks · $0.00 of $5.00 today",
    sessions,
    selected: 0,
    pane,
    paneTitle: "w01 · 120×40",
    status: " ↑↓ select",
    colour: false,
  });
}

/** Median µs of `fn` over `n` calls, after a warm-up. */
function perCall(fn: () => void, n = 500): number {
  for (let i = 0; i < 50; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    xs.push((performance.now() - t0) * 1000);
  }
  return median(xs);
}

/** The longest gap between 1 ms timer ticks while `work` runs: how long a key could wait. */
async function longestStall(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(probe);
  }
  return worst;
}

/**
 * Key to redraw under a pseudo-terminal: send `keys[i]`, time until the output holds `marks[i]`.
 * `ready`: what the first frame shows.
 */
async function keyLatencies(
  argv: string[],
  env: Record<string, string>,
  ready: string,
  keys: string[],
  marks: string[],
) {
  const pty = spawnPty(argv, { cwd: "/", env, cols: COLS, rows: ROWS });
  let out = "";
  let waiter: { mark: string; resolve: () => void } | undefined;
  pty.onData((d) => {
    out += d;
    if (waiter && out.includes(waiter.mark)) {
      waiter.resolve();
      waiter = undefined;
    }
  });
  const until = (mark: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no '${mark}' within ${ms} ms: ${JSON.stringify(out.slice(-400))}`)),
        ms,
      );
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      if (out.includes(mark)) done();
      else waiter = { mark, resolve: done };
    });
  try {
    await until(ready, 30_000);
    const xs: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      out = "";
      const t0 = performance.now();
      pty.write(keys[i]);
      await until(marks[i], 30_000);
      xs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    return xs;
  } finally {
    try {
      Deno.kill(pty.pid, "SIGKILL");
    } catch { /* gone */ }
    await pty.exited;
  }
}

/** An empty loop: raw input, and on each key a full frame naming it. */
const EMPTY_LOOP = `
Deno.stdin.setRaw(true);
const enc = new TextEncoder();
const blank = (" ".repeat(${COLS}) + "\\r\\n").repeat(${ROWS - 1});
Deno.stdout.writeSync(enc.encode("\\x1b[Hready\\r\\n" + blank));
for await (const chunk of Deno.stdin.readable) {
  const k = new TextDecoder().decode(chunk);
  Deno.stdout.writeSync(enc.encode("\\x1b[H> key " + k + "\\r\\n" + blank));
}
`;

export async function watchBench(): Promise<string[]> {
  const { base, dd, log } = await seed();
  try {
    // Replaying one 5 MB log in watch's replaying Worker, and how long this thread stalled meanwhile.
    const replayer = new ScreenReplayer(dd.root);
    const remote = replayer.open(sessionFiles(dd, "w01").output, 120, 40);
    const t0 = performance.now();
    let replayed = 0;
    let last: ScreenState | undefined;
    const stall = await longestStall(async () => {
      while ((last = await remote.update(ROWS - 3, COLS - 33)).got) replayed = performance.now() - t0;
    });
    replayer.close();
    const idleStall = await longestStall(() => new Promise((r) => setTimeout(r, 1000)));
    // A frame as watch draws it: 20 sessions, the pane the window the Worker sent; vs an empty frame.
    const twenty = lines(SESSIONS);
    const pane = last!.view.lines;
    const frame = perCall(() => frameOf(twenty, pane));
    const empty = perCall(() => frameOf([], []));

    // Input latency of the real watch vs an empty loop, both in a pseudo-terminal of 120×35.
    const env = {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? base,
      TERM: "xterm-256color",
      NO_COLOR: "1",
      LOOOP_DATA_DIR: dd.root,
    };
    const ids = lines(SESSIONS).map((l) => l.id);
    // Down through all 20 (each a 5 MB replay starting), then back up (the last 8 kept).
    const keys = [...ids.slice(1).map(() => "j"), ...ids.slice(0, -1).map(() => "k")];
    const marks = [...ids.slice(1), ...ids.slice(0, -1).reverse()].map((id) => `> ${id} `);
    const watch = await keyLatencies([...LOOOP, "watch", "w01"], env, "> w01 ", keys, marks);
    const script = `${base}/empty_loop.ts`;
    await Deno.writeTextFile(script, EMPTY_LOOP);
    const emptyKeys = keys.map((_, i) => String.fromCharCode(97 + (i % 26)));
    const baseline = await keyLatencies(
      [DENO, "run", "--cached-only", ...PERMISSION_FLAGS, script],
      env,
      "ready",
      emptyKeys,
      emptyKeys.map((k) => `> key ${k}`),
    );
    const w = median(watch);
    const b = median(baseline);
    const worst = Math.max(...watch);
    const mb = (log.length / 1024 / 1024).toFixed(1);
    return [
      `watch frame (${SESSIONS} sessions, ${mb} MB log replayed at 120x40, ${COLS}x${ROWS}): ${
        frame.toFixed(0)
      } µs vs an empty frame ${empty.toFixed(0)} µs = ${(frame / empty).toFixed(1)}x`,
      `watch replay of one ${mb} MB log (in its Worker): ${
        replayed.toFixed(0)
      } ms; the drawing thread's longest stall meanwhile ${stall.toFixed(1)} ms vs ${idleStall.toFixed(1)} ms idle`,
      `watch input latency (key to redraw, ${keys.length} keys through ${SESSIONS} sessions of ${mb} MB replaying): median ${
        w.toFixed(1)
      } ms, worst ${worst.toFixed(1)} ms vs an empty loop's ${b.toFixed(1)} ms = ${(w / b).toFixed(2)}x`,
    ];
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) { for (const line of await watchBench()) console.log(line); }
