/**
 * Soak (`deno task reliability`): one long-lived `up --foreground` pulse beating every 10 ms over
 * three sensors (one steady, one whose signal moves every 50 beats so the fake runner decides now
 * and then, one whose detail changes every beat), for 2,000 beats: 1,000 to warm up, then 1,000
 * measured. The pulse's RSS and open descriptors (from /proc) are printed at beats 10, 1,000 and
 * 2,000. Descriptors must stay steady from beat 10 on; RSS must stay within 10% over the measured
 * 1,000 beats. Why not from beat 10: Deno's RSS grows over the first several hundred beats of any
 * busy process while V8 sizes its heap and its optimizing compilers warm up (with them off, the
 * pulse plateaus by beat ~200; with them on, by beat ~800, and then stays flat to beat 3,000 at
 * least, JS heap in use flat all along); a leak keeps growing after that.
 */
import { assert, assertEquals } from "../assert.ts";
import { LOOOP_ARGV } from "../helpers.ts";
import { PulseLab } from "../pulse/helpers.ts";
import { memoryFloor, ndjsonLines, processesOfDir, report } from "./helpers.ts";

const WARM_UP = 1000;
const MEASURED = 1000;
const FD_SLACK = 10;

Deno.test(`soak: ${WARM_UP} + ${MEASURED} beats of one pulse: descriptors steady, RSS within 10%`, async () => {
  // As bench/pulse_bench.ts: the pulse alone. It decides about 40 times a minute here, far over the
  // decide caps (30 an hour by default), which tests/core/guards_test.ts and budget_test.ts cover.
  const lab = await PulseLab.create({
    config: { sandbox: { mode: "off" }, max_decides_per_hour: 100_000, max_decides_per_day: 100_000 },
  });
  try {
    await lab.sensor("steady", `#!/bin/sh\necho '{"signal":{"ok":true}}'\n`);
    await lab.sensor(
      "epoch",
      `#!/bin/sh\nf="$LOOOP_DATA_DIR/epoch-count"\nn=$(cat "$f" 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > "$f"\n` +
        `echo "{\\"signal\\":{\\"epoch\\":$((n/50))},\\"detail\\":{\\"n\\":$n}}"\n`,
    );
    await lab.sensor("clock", `#!/bin/sh\necho "{\\"signal\\":{},\\"detail\\":{\\"ns\\":\\"$(date +%N)\\"}}"\n`);
    const t0 = Date.now();
    const child = new Deno.Command(LOOOP_ARGV[0], {
      args: [...LOOOP_ARGV.slice(1), "up", "--foreground", "--json"],
      env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...lab.env, LOOOP_INTERVAL: "0.01" },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const samples: Record<number, { rssKib: number; fds: number }> = {};
    const events: Record<string, number> = {};
    let beats = 0;
    try {
      for await (const ev of ndjsonLines(child.stdout)) {
        const name = String(ev.event);
        events[name] = (events[name] ?? 0) + 1;
        if (name !== "beat.start") continue;
        beats++;
        // The pulse beats on while it is measured: the floor of 20 readings leaves out pipes in flight.
        if (beats === 10 || beats === WARM_UP || beats === WARM_UP + MEASURED) {
          samples[beats] = await memoryFloor(child.pid);
        }
        if (beats === WARM_UP + MEASURED) child.kill("SIGTERM");
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* it ended */ }
    }
    const status = await child.status;
    const secs = (Date.now() - t0) / 1000;
    assertEquals(status.code, 143, await stderr);
    const [start, warm, end] = [samples[10], samples[WARM_UP], samples[WARM_UP + MEASURED]];
    const mb = (kib: number) => `${(kib / 1024).toFixed(1)} MB`;
    report(
      "soak",
      `${beats} beats of one pulse in ${secs.toFixed(1)} s (${(secs * 1000 / beats).toFixed(1)} ms a beat)`,
    );
    report(
      "soak",
      `RSS ${mb(start.rssKib)} at beat 10, ${mb(warm.rssKib)} at ${WARM_UP}, ${mb(end.rssKib)} at ${beats} ` +
        `(${((end.rssKib / warm.rssKib - 1) * 100).toFixed(1)}% over the measured ${MEASURED})`,
    );
    report("soak", `open descriptors ${start.fds} at beat 10, ${warm.fds} at ${WARM_UP}, ${end.fds} at ${beats}`);
    report(
      "soak",
      `events: ${
        ["beat.skip", "decide.start", "move.done", "decide.failed", "beat.error"].map((e) => `${e} ${events[e] ?? 0}`)
          .join(", ")
      }`,
    );
    assert(end.fds <= start.fds + FD_SLACK, `descriptors grew from ${start.fds} to ${end.fds}`);
    assert(end.fds <= warm.fds + FD_SLACK, `descriptors grew from ${warm.fds} to ${end.fds}`);
    const growth = end.rssKib / warm.rssKib;
    assert(
      growth <= 1.1 && growth >= 0.9,
      `RSS went from ${mb(warm.rssKib)} to ${mb(end.rssKib)} over ${MEASURED} beats`,
    );
    // The pulse did its job all along: it decided on each epoch, never failed a beat, and left no process behind.
    assertEquals(events["beat.error"] ?? 0, 0);
    assert((events["move.done"] ?? 0) >= (WARM_UP + MEASURED) / 50 - 2, `only ${events["move.done"]} decides`);
    assertEquals(await processesOfDir(lab.dir), [], "no sensor or runner left running");
  } finally {
    await lab.close();
  }
});
