/**
 * The pulse as a process (SPEC §4, §5): `up` is idempotent even when two race, a `_ beat` while
 * it runs exits 75, `down` leaves no looop process behind, and a steering write wakes the pulse
 * long before its interval.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { assertBackgroundLaunch, eventually, spawnLooop } from "../helpers.ts";
import { processesOf, type PulseLab, withLab } from "./helpers.ts";

/** The `_ pulse` processes of this data dir. */
async function pulses(lab: PulseLab) {
  return (await processesOf(lab.dir)).filter((p) => / _ pulse\b/.test(p.cmdline));
}

Deno.test("two `up` at once start one pulse; `_ beat` meanwhile exits 75; `down` leaves nothing behind", async () => {
  await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
    const [a, b] = await Promise.all([lab.run(["up"]), lab.run(["up"])]);
    assertEquals([a.code, b.code], [0, 0], `${a.stderr}\n${b.stderr}`);
    for (const r of [a, b]) assertMatch(r.stdout, /^(pulse up|already running) \(pid \d+\)/);

    // The loser of the race (if both spawned) exits at once on the lock; one pulse stays.
    const [pulse] = await eventually(async () => {
      const ps = await pulses(lab);
      return ps.length === 1 ? ps : undefined;
    }, "exactly one pulse process");
    const rows = (await lab.sessions()).filter((s) => s.id === "pulse");
    assertEquals(rows.map((s) => [s.state, s.pid]), [["running", pulse.pid]]);
    // From source the pulse runs with the background flags, and no Deno update check (sys/permissions.ts).
    await assertBackgroundLaunch(pulse.pid, "pulse");
    for (const r of [a, b]) assertMatch(r.stdout, new RegExp(`\\(pid ${pulse.pid}\\)`));

    const third = await lab.ok(["up"]);
    assertEquals(third.stdout, `already running (pid ${pulse.pid})\n`);

    const beat = await lab.run(["_", "beat"]);
    assertEquals(beat.code, 75, beat.stderr);
    assertEquals(
      beat.stderr,
      `looop: another pulse holds the lock (pid ${pulse.pid}) — stop it with \`looop down\`, or use another data dir\n`,
    );
    const second = await lab.run(["_", "pulse"]);
    assertEquals(second.code, 75, "a second `_ pulse` process exits 75");
    assertEquals((await pulses(lab)).map((p) => p.pid), [pulse.pid]);

    const down = await lab.ok(["down"]);
    assertMatch(down.stdout, /pulse stopped/);
    const left = await lab.noProcessesLeft();
    assertEquals(left, [], "no looop process of the data dir after down");
    const after = (await lab.sessions()).filter((s) => s.id === "pulse");
    assertEquals(after.length, 1);
    assert(after[0].state !== "running", `pulse after down: ${JSON.stringify(after[0])}`);
    assertEquals((await lab.ok(["down"])).stdout, "the pulse was not running; no workers were running\n");
  });
});

Deno.test("event-driven wake: with interval 60 s, `_ goal write` makes the pulse decide within seconds", async () => {
  await withLab({ env: { LOOOP_INTERVAL: "60" } }, async (lab) => {
    await lab.ok(["up"]);
    // The first beat decides at once (the world is new to it) and commits its hash.
    await eventually(
      async () => (await lab.decides()) === 1 && (await lab.exists(".last-tick-hash")),
      "the first decide",
    );
    await lab.ok(["_", "goal", "write", "wake", "please look at this"]);
    await eventually(async () => (await lab.decides()) >= 2, "a decide after the goal write", 10_000);
    assertMatch((await lab.prompts())[1], /goal wake: new/);
    await lab.ok(["down"]);
    assertEquals(await lab.noProcessesLeft(), []);
  });
});

Deno.test("up --foreground: logs to stdout, one beat decides, SIGTERM ends it with 143 and releases the lock", async () => {
  await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
    const fg = spawnLooop(["up", "--foreground", "--json"], { env: lab.env });
    try {
      await eventually(async () => (await lab.decides()) === 1 && (await lab.exists(".last-tick-hash")), "a decide");
      const rows = (await lab.sessions()).filter((s) => s.id === "pulse");
      assertEquals(rows.map((s) => [s.state, s.pid]), [["running", fg.child.pid]]);
      fg.child.kill("SIGTERM");
      const r = await fg.done;
      assertEquals(r.code, 143, r.stderr);
      const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l).event);
      for (
        const e of ["pulse.start", "beat.start", "sense.done", "decide.start", "decide.done", "move.done", "pulse.stop"]
      ) {
        assert(events.includes(e), `${e} in ${events.join(", ")}`);
      }
      await lab.beatExpect(0, "skipped"); // the lock is free again
    } finally {
      try {
        fg.child.kill("SIGKILL");
      } catch { /* ended */ }
      await fg.done;
    }
  });
});

Deno.test("a broken config mid-run fails beats, not the pulse: journaled once, and fixing it resumes deciding", async () => {
  await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
    const good = await Deno.readTextFile(`${lab.dir}/config.json`);
    await lab.ok(["up"]);
    await eventually(
      async () => (await lab.decides()) === 1 && (await lab.exists(".last-tick-hash")),
      "the first decide",
    );
    const pid = (await lab.metaPid("pulse")) ?? null;

    await Deno.writeTextFile(`${lab.dir}/config.json`, '{ "interval": "soon" }\n');
    await eventually(async () => (await lab.journal()).some((l) => / beat failed: /.test(l)), "the failure journaled");
    // More beats (a goal file written wakes the pulse): still broken, not journaled again.
    await lab.touchGoal("g1", "one");
    await eventually(
      async () => (await Deno.readTextFile(`${lab.dir}/sessions/pulse/output.log`)).split("beat.error").length > 2,
      "a second failed beat",
    );
    const failures = () => lab.journal().then((j) => j.filter((l) => / beat failed: /.test(l)));
    const [line] = await failures();
    assertMatch(line, new RegExp(`beat failed: ${lab.dir}/config\\.json: interval: `));
    assertEquals((await lab.sessions()).filter((s) => s.id === "pulse").map((s) => [s.state, s.pid]), [[
      "running",
      pid,
    ]]);

    await Deno.writeTextFile(`${lab.dir}/config.json`, good);
    await lab.ok(["_", "goal", "write", "g3", "three"]);
    // The config's own write may wake a decide before g3 lands; the one after it names g3.
    await eventually(
      async () => (await lab.prompts()).some((p) => /goal g3: new/.test(p)),
      "a decide that sees g3 once the config is fixed",
      10_000,
    );
    assertEquals((await failures()).length, 1, "the broken config was journaled once");
  });
});

Deno.test("up refuses an unknown or missing runner before detaching, naming the fix; _ beat without it exits 127", async () => {
  await withLab({}, async (lab) => {
    await lab.configure({ default: "nosuch" }, "/bin/true", "other");
    let r = await lab.run(["up"]);
    assertEquals(r.code, 2, r.stderr);
    assertMatch(
      r.stderr,
      /runner 'nosuch' has no tick or no interactive command — set "default" in .* to one of claude, codex, opencode, other, pi/,
    );
    await lab.configure({}, "no-such-runner-xyz");
    r = await lab.run(["up"]);
    assertEquals(r.code, 127, r.stderr);
    assertMatch(r.stderr, /runner 'pi' not found on PATH \(.*no-such-runner-xyz\) — install it or set "default"/);
    assert(!(await lab.exists("sessions/pulse/meta.json")), "no pulse was started");
    const b = await lab.beat();
    assertEquals(b.code, 127, b.stderr);
  });
});
