/** The STEER verbs (SPEC §4): `_ state`, `_ wait`, the goal/sensor/playbook writes and `_ sessions`. */
import { assert, assertEquals, assertMatch, assertNotEquals } from "../assert.ts";
import {
  assertRefusedUnchanged,
  holdSessionLock,
  JOURNAL_LINE,
  killHolder,
  looop,
  reap,
  type Run,
  seed,
  spawnLooop,
  withDataDir,
} from "../helpers.ts";

type Env = Record<string, string>;

async function stateJson(env: Env) {
  const r = await looop(["_", "state", "--json"], { env });
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const journalLines = async (dir: string) =>
  (await Deno.readTextFile(`${dir}/journal.md`).catch(() => "")).split("\n").filter(Boolean);

/** Run a write verb; it must print exactly the one journal line it appended, and append no other. */
/** `after`: what the verb prints after its journal line (`_ sensor write`: the new sensor's reading). */
async function writeVerb(dir: string, env: Env, args: string[], stdin?: string, after = ""): Promise<string> {
  const before = await journalLines(dir);
  const r = await looop(args, { env, stdin });
  assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  assertEquals(r.stderr, "");
  const lines = await journalLines(dir);
  assertEquals(lines.slice(0, before.length), before, "the journal is append-only");
  assertEquals(lines.length, before.length + 1, `${args.join(" ")} appends exactly one journal line`);
  const line = lines[lines.length - 1];
  assertMatch(line, JOURNAL_LINE);
  assertEquals(r.stdout, line + "\n" + after, "the verb prints the line it journaled");
  return line;
}

Deno.test("_ state --json has its stable shape; _ state prints a readable summary", async () => {
  await withDataDir(async ({ dir, env }) => {
    const s = await stateJson(env);
    assertEquals(Object.keys(s), [
      "data_dir",
      "config",
      "pulse",
      "sandbox",
      "world_hash",
      "last_tick_hash",
      "goals",
      "readings",
      "asks",
      "sessions",
      "claims",
      "spend",
      "decides",
      "guards",
      "today",
      "journal",
    ]);
    assertEquals(s.data_dir, dir);
    assertEquals(s.config, { path: `${dir}/config.json`, error: null });
    assertEquals(s.pulse, { up: false, runner: null, decide: null, paused: null });
    assertMatch(s.world_hash, /^[0-9a-f]{64}$/);
    assertEquals(s.last_tick_hash, null);
    assertEquals(s.sandbox, null, "no beat has looked for a sandbox yet");
    assertEquals(s.goals, [
      {
        id: "playbook-daily",
        goal: "once a day, propose one small PLAYBOOK improvement learned from the journal",
        last_acted: null,
      },
      { id: "setup", goal: "the PLAYBOOK and goals reflect my real work", last_acted: null },
    ]);
    assertEquals([s.readings, s.asks, s.sessions, s.claims, s.journal], [{}, [], [], [], []]);
    assertEquals(s.spend, { today_usd: 0, budget_usd: null });
    assertEquals(s.decides, { last_hour: 0, last_day: 0 });
    assertEquals(s.guards, {
      backoff: null,
      noop: null,
      flapping: [],
      runner_limit: null,
      sensor_intervals: [],
      limits: null,
    });
    assertEquals(s.today, { beats: 0, skips: 0, decides: 0, failures: 0, pauses: {}, spend_usd: 0 });

    // A body that starts with "---" (frontmatter) works inline, with or without `--`.
    await writeVerb(dir, env, ["_", "goal", "write", "ship", "---\ngoal: ship it\n---\nbody"]);
    assertEquals(await Deno.readTextFile(`${dir}/goals/ship.md`), "---\ngoal: ship it\n---\nbody\n");
    await writeVerb(dir, env, ["_", "goal", "write", "ship", "--", "---\ngoal: ship it\n---\nbody"]);
    assertEquals(await Deno.readTextFile(`${dir}/goals/ship.md`), "---\ngoal: ship it\n---\nbody\n");
    const text = await looop(["_", "state"], { env });
    assertEquals(text.code, 0, text.stderr);
    for (const want of [/^pulse\s+down$/m, /^goals \(3\)$/m, /^\s+ship\s+ship it\b/m, /write_goal ship/]) {
      assertMatch(text.stdout, want);
    }
    const s2 = await stateJson(env);
    assertEquals(s2.goals.find((g: { id: string }) => g.id === "ship").goal, "ship it");
    assertMatch(s2.goals.find((g: { id: string }) => g.id === "ship").last_acted, /^\d{4}-\d{2}-\d{2}T/);
    assertEquals(s2.journal.length, 2);
  });
});

Deno.test("_ state follows every config edit (parsed once per text); its cache keeps no config text", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const config = `${dir}/config.json`;
    const write = (text: string) => Deno.writeTextFile(config, text);
    const seen = async () => {
      const s = await stateJson(env);
      return [s.spend.budget_usd, s.config.error === null ? null : "error"];
    };
    assertEquals(await seen(), [null, null], "the seeded config has no budget");
    await write('{ "max_daily_usd": 5, "runners": { "pi": { "tick": "pi -p --token s3cret" } } } // c');
    assertEquals(await seen(), [5, null]);
    assertEquals(await seen(), [5, null], "again, from the cache");
    // Same length, rewritten at once: the text is the key, not the file's time or size.
    await write('{ "max_daily_usd": 7, "runners": { "pi": { "tick": "pi -p --token s3cret" } } } // c');
    assertEquals(await seen(), [7, null]);
    await write('{ "max_daily_usd": 7, ');
    assertEquals(await seen(), [null, "error"]);
    await write('{ "max_daily_usd": 7 }');
    assertEquals(await seen(), [7, null]);
    // Broken beyond its syntax (a key of the wrong type, a runner that does not exist): said, not hidden.
    await write('{ "interval": "soon" }');
    const wrongType = await stateJson(env);
    assertMatch(wrongType.config.error, /config\.json: interval: /);
    assertMatch(
      (await looop(["_", "state"], { env })).stdout,
      /^config +BROKEN: .*interval: .*\(beats fail until it is fixed\)$/m,
    );
    await write('{ "default": "nosuch" }');
    assertMatch((await stateJson(env)).config.error, /^runner 'nosuch' has no tick or no interactive command/);
    await write('{ "max_daily_usd": 7 }');
    assertEquals(await seen(), [7, null]);
    const facts = await Deno.readTextFile(`${dir}/.config-facts.json`);
    assert(!facts.includes("max_daily_usd") && !facts.includes("s3cret"), `no config text in the cache: ${facts}`);
  });
});

Deno.test("the world hash moves with goals and snapshot signals, never with a snapshot's detail", async () => {
  await withDataDir(async ({ dir, env }) => {
    const h0 = (await stateJson(env)).world_hash;
    assertEquals((await stateJson(env)).world_hash, h0, "stable while nothing changes");

    await writeVerb(dir, env, ["_", "goal", "write", "g1", "first"]);
    const h1 = (await stateJson(env)).world_hash;
    assertNotEquals(h1, h0, "a goal write moves the hash");

    const snap = `${dir}/snapshots/sensor-x.json`;
    await Deno.writeTextFile(snap, JSON.stringify({ signal: { open: 3, ok: true }, detail: { n: 1 } }));
    const s2 = await stateJson(env);
    assertEquals(s2.readings["sensor-x"], { signal: { open: 3, ok: true }, detail: { n: 1 } });
    assertNotEquals(s2.world_hash, h1, "a new snapshot moves the hash");

    await Deno.writeTextFile(snap, JSON.stringify({ detail: { n: 2, more: "x" }, signal: { ok: true, open: 3 } }));
    assertEquals((await stateJson(env)).world_hash, s2.world_hash, "detail and key order do not count");

    await Deno.writeTextFile(snap, JSON.stringify({ signal: { open: 4, ok: true }, detail: { n: 2 } }));
    const h3 = (await stateJson(env)).world_hash;
    assertNotEquals(h3, s2.world_hash, "a changed signal moves the hash");

    // A reading without a `signal` key counts whole.
    await Deno.writeTextFile(`${dir}/snapshots/sensor-y.json`, JSON.stringify({ a: 1 }));
    const h4 = (await stateJson(env)).world_hash;
    assertNotEquals(h4, h3);
    await Deno.writeTextFile(`${dir}/snapshots/sensor-y.json`, JSON.stringify({ a: 2 }));
    assertNotEquals((await stateJson(env)).world_hash, h4);
  });
});

Deno.test("_ goal write takes the body inline, from `-` and from stdin; --journal sets the line", async () => {
  await withDataDir(async ({ dir, env }) => {
    const inline = await writeVerb(dir, env, ["_", "goal", "write", "a", "inline body"]);
    assertMatch(inline, /^- \d{4}-\d{2}-\d{2} \d{2}:\d{2} write_goal a \(by hand\)$/);
    assertEquals(await Deno.readTextFile(`${dir}/goals/a.md`), "inline body\n", "a trailing newline is ensured");

    await writeVerb(dir, env, ["_", "goal", "write", "b", "-"], "from dash\n");
    assertEquals(await Deno.readTextFile(`${dir}/goals/b.md`), "from dash\n");

    const custom = await writeVerb(dir, env, ["_", "goal", "write", "c", "--journal", "c: now tracked"], "omitted");
    assertMatch(custom, /^- \d{4}-\d{2}-\d{2} \d{2}:\d{2} c: now tracked$/);
    assertEquals(await Deno.readTextFile(`${dir}/goals/c.md`), "omitted\n");

    // Overwrite replaces the whole file.
    await writeVerb(dir, env, ["_", "goal", "write", "a", "second\nversion\n"]);
    assertEquals(await Deno.readTextFile(`${dir}/goals/a.md`), "second\nversion\n");
    // A multi-line --journal still makes one line.
    const folded = await writeVerb(dir, env, ["_", "goal", "write", "a", "x", "--journal", "two\nlines"]);
    assertMatch(folded, / two lines$/);

    const ids = await looop(["_", "ids", "goals"], { env });
    assertEquals(ids.stdout, "a\nb\nc\nplaybook-daily\nsetup\n");
  });
});

Deno.test("_ goal archive moves the goal to goals/archive/ and keeps an earlier archive of the same id", async () => {
  await withDataDir(async ({ dir, env }) => {
    await writeVerb(dir, env, ["_", "goal", "write", "old", "v1"]);
    const line = await writeVerb(dir, env, ["_", "goal", "archive", "old"]);
    assertMatch(line, / archive_goal old \(by hand\)$/);
    assertEquals(await Deno.readTextFile(`${dir}/goals/archive/old.md`), "v1\n");
    assert(!(await stateJson(env)).goals.some((g: { id: string }) => g.id === "old"), "archived goals are not listed");

    await writeVerb(dir, env, ["_", "goal", "write", "old", "v2"]);
    await writeVerb(dir, env, ["_", "goal", "archive", "old", "--journal", "done with old"]);
    const archived = [...Deno.readDirSync(`${dir}/goals/archive`)].map((e) => e.name).sort();
    assertEquals(archived.length, 2, archived.join(", "));
    assertEquals(await Deno.readTextFile(`${dir}/goals/archive/old.md`), "v2\n");
    const earlier = archived.find((n) => n !== "old.md")!;
    assertMatch(earlier, /^old\..+\.md$/);
    assertEquals(await Deno.readTextFile(`${dir}/goals/archive/${earlier}`), "v1\n");

    // The starter goal can be archived too, and the completion ids follow.
    await writeVerb(dir, env, ["_", "goal", "archive", "setup"]);
    assertEquals((await looop(["_", "ids", "goals"], { env })).stdout, "playbook-daily\n");
  });
});

Deno.test("_ sensor write makes an executable script (0755); _ playbook write replaces PLAYBOOK.md", async () => {
  await withDataDir(async ({ dir, env }) => {
    const line = await writeVerb(
      dir,
      env,
      ["_", "sensor", "write", "prs", `echo '{"open":2}'`],
      undefined,
      'sensor-prs: {"open":2}\n',
    );
    assertMatch(line, / write_sensor prs \(by hand\)$/);
    const path = `${dir}/sensors/prs.sh`;
    assertEquals((await Deno.stat(path)).mode! & 0o7777, 0o755);
    assertEquals(await Deno.readTextFile(path), `echo '{"open":2}'\n`);
    const run = await new Deno.Command("sh", { args: [path], stdout: "piped" }).output();
    assertEquals(JSON.parse(new TextDecoder().decode(run.stdout)), { open: 2 });

    await writeVerb(
      dir,
      env,
      ["_", "sensor", "write", "ci", "-", "--journal", "watch CI"],
      "#!/bin/sh\necho '{}'\n",
      "sensor-ci: {}\n",
    );
    assertEquals((await Deno.stat(`${dir}/sensors/ci.sh`)).mode! & 0o7777, 0o755);
    assertEquals((await looop(["_", "ids", "sensors"], { env })).stdout, "ci\nprs\ntoday\n");
    // A sensor that gives an error reading is written all the same, with a warning that says why.
    const bad = await looop(["_", "sensor", "write", "broken", "#!/bin/sh\necho not json\n"], { env });
    assertEquals(bad.code, 0, bad.stderr);
    assertMatch(
      bad.stdout,
      /write_sensor broken \(by hand\)\nsensor-broken: \{"signal":\{"error":true,"exit_code":0\},/,
    );
    assertMatch(bad.stderr, /^looop: warning: sensor-broken gave an error reading: .*JSON/);

    const pb = await writeVerb(dir, env, ["_", "playbook", "write"], "# PLAYBOOK\n\nship small things\n");
    assertMatch(pb, / write_playbook \(by hand\)$/);
    assertEquals(await Deno.readTextFile(`${dir}/PLAYBOOK.md`), "# PLAYBOOK\n\nship small things\n");
    await writeVerb(dir, env, ["_", "playbook", "write", "inline playbook", "--journal", "tuned"]);
    assertEquals(await Deno.readTextFile(`${dir}/PLAYBOOK.md`), "inline playbook\n");
  });
});

type Version = { n: number; file: string; at: string; bytes: number; first_line: string };

/** `_ playbook history --json`. */
async function history(env: Env): Promise<Version[]> {
  const r = await looop(["_", "playbook", "history", "--json"], { env });
  assertEquals([r.code, r.stderr], [0, ""]);
  return JSON.parse(r.stdout);
}

const firstLines = async (env: Env) => (await history(env)).map((v) => v.first_line);

Deno.test("each _ playbook write keeps the PLAYBOOK it replaced; history lists them newest first", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const none = await looop(["_", "playbook", "history"], { env });
    assertEquals([none.code, none.stderr], [0, ""]);
    assertEquals(
      none.stdout,
      `no PLAYBOOK history yet (each write keeps the previous version in ${dir}/playbook.d)\n`,
    );
    assertEquals(await history(env), []);
    // Removed by hand: the first write has nothing to keep.
    await Deno.remove(`${dir}/PLAYBOOK.md`);
    const bodies = ["# one\nfirst", "# two\nsecond", "# three\nthird"];
    for (const body of bodies) await writeVerb(dir, env, ["_", "playbook", "write", body]);
    assertEquals(await firstLines(env), ["# two", "# one"]);
    const four = "\n\n   # four: " + "x".repeat(80) + "\n";
    await writeVerb(dir, env, ["_", "playbook", "write", "-"], four);
    const versions = await history(env);
    const bytes = (s: string) => new TextEncoder().encode(s).length;
    assertEquals(versions.map((v) => [v.n, v.first_line, v.bytes]), [
      [1, "# three", bytes(bodies[2]) + 1],
      [2, "# two", bytes(bodies[1]) + 1],
      [3, "# one", bytes(bodies[0]) + 1],
    ]);
    for (const v of versions) {
      assertMatch(v.file, /^\d{8}T\d{6}Z(-\d+)?\.md$/);
      assertEquals(new Date(v.at).toISOString(), v.at);
      assertEquals(await Deno.readTextFile(`${dir}/playbook.d/${v.file}`), `${bodies[3 - v.n]}\n`);
    }
    // The readable list: the local time, the size and the first non-blank line, cut to about 60 characters.
    await writeVerb(dir, env, ["_", "playbook", "write", "# five"]);
    const text = await looop(["_", "playbook", "history"], { env });
    assertEquals([text.code, text.stderr], [0, ""]);
    const rows = text.stdout.trimEnd().split("\n");
    assertEquals(rows.length, 4);
    assertMatch(
      rows[0],
      new RegExp(`^1  \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}  ${bytes(four)} bytes  # four: x{51}…$`),
    );
    assertMatch(
      rows[3],
      new RegExp(`^4  \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}  ${bytes(bodies[0]) + 1} bytes  # one$`),
    );

    // The same text again is written (and journaled) but keeps no duplicate.
    await writeVerb(dir, env, ["_", "playbook", "write", "# five"]);
    assertEquals((await history(env)).length, 4);
  });
});

Deno.test("_ playbook restore <n> puts version n back through the gate, journaled, and keeps the one it replaced", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    for (const body of ["one", "two", "three"]) await writeVerb(dir, env, ["_", "playbook", "write", body]);
    const before = await history(env);
    assertEquals(before.map((v) => v.first_line), ["two", "one", "# PLAYBOOK"]);

    const line = await writeVerb(dir, env, ["_", "playbook", "restore", "2"]);
    assert(line.endsWith(` PLAYBOOK restored from version 2 (${before[1].file}) (by hand)`), line);
    assertEquals(await Deno.readTextFile(`${dir}/PLAYBOOK.md`), "one\n");
    // The replaced PLAYBOOK is now version 1, so the restore is undone by another.
    assertEquals(await firstLines(env), ["three", "two", "one", "# PLAYBOOK"]);
    const undo = await writeVerb(dir, env, ["_", "playbook", "restore", "1", "--journal", "undid the restore"]);
    assert(undo.endsWith(" undid the restore"), undo);
    assertEquals(await Deno.readTextFile(`${dir}/PLAYBOOK.md`), "three\n");
    assertEquals(await firstLines(env), ["one", "three", "two", "one", "# PLAYBOOK"]);

    // A version the gate refuses (over max_body_bytes now) is not restored, and nothing changes.
    await Deno.writeTextFile(`${dir}/config.json`, '{ "max_body_bytes": 64 }\n');
    await assertRefusedUnchanged(dir, ["_", "playbook", "restore", "5"], { env }, 3, /refused \(size\)/);
  });
});

Deno.test("_ playbook restore of a version that is not there is refused with a one-line fix; nothing changes", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    await assertRefusedUnchanged(
      dir,
      ["_", "playbook", "restore", "1"],
      { env },
      1,
      /^looop: refused \(state\): no PLAYBOOK version 1 — `looop _ playbook history` lists none yet\n$/,
    );
    for (const body of ["one", "two"]) await writeVerb(dir, env, ["_", "playbook", "write", body]);
    await assertRefusedUnchanged(
      dir,
      ["_", "playbook", "restore", "99"],
      { env },
      1,
      /^looop: refused \(state\): no PLAYBOOK version 99 — `looop _ playbook history` lists 2\n$/,
    );
    for (const bad of ["0", "-1", "1.5", "x", "01"]) {
      await assertRefusedUnchanged(
        dir,
        ["_", "playbook", "restore", "--", bad],
        { env },
        2,
        new RegExp(`refused \\(schema\\): a PLAYBOOK version is a number from 1, got '${bad.replace(".", "\\.")}'`),
      );
    }
  });
});

Deno.test("PLAYBOOK history keeps playbook_keep versions; LOOOP_PLAYBOOK_KEEP overrides it", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const files = () => [...Deno.readDirSync(`${dir}/playbook.d`)].map((e) => e.name);
    const write = (body: string, extra: Env = {}) =>
      writeVerb(dir, { ...env, ...extra }, ["_", "playbook", "write", body]);
    for (let i = 1; i <= 3; i++) await write(`env${i}`, { LOOOP_PLAYBOOK_KEEP: "2" });
    assertEquals(await firstLines(env), ["env2", "env1"]);

    await Deno.writeTextFile(`${dir}/config.json`, '{ "playbook_keep": 3 }\n');
    for (let i = 1; i <= 2; i++) await write(`cfg${i}`);
    assertEquals(await firstLines(env), ["cfg1", "env3", "env2"]);
    await write("cfg3", { LOOOP_PLAYBOOK_KEEP: "soon" }); // not a count: the config's setting stands
    assertEquals(await firstLines(env), ["cfg2", "cfg1", "env3"]);
    await write("cfg4", { LOOOP_PLAYBOOK_KEEP: "0" }); // keep none: and the kept ones go
    assertEquals(files(), []);
  });
});

Deno.test("a link planted as playbook.d is never followed: the PLAYBOOK write is refused, nothing changes", async () => {
  await withDataDir(async ({ dir, base, env }) => {
    await seed(env);
    const outside = `${base}/outside`;
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${outside}/keep.md`, "keep\n");
    await Deno.symlink(outside, `${dir}/playbook.d`);
    const linkError = /refusing to use .*playbook\.d: .*playbook\.d is a symbolic link/;
    await assertRefusedUnchanged(dir, ["_", "playbook", "write", "new"], { env }, 1, linkError);
    await assertRefusedUnchanged(dir, ["_", "playbook", "history"], { env }, 1, linkError);
    assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["keep.md"]);
    assertEquals(await Deno.readTextFile(`${outside}/keep.md`), "keep\n");
    assertMatch(await Deno.readTextFile(`${dir}/PLAYBOOK.md`), /^# PLAYBOOK/, "the PLAYBOOK was not replaced unkept");

    // The link removed, the next write keeps the PLAYBOOK in a real folder of looop's own.
    await Deno.remove(`${dir}/playbook.d`);
    await writeVerb(dir, env, ["_", "playbook", "write", "new"]);
    assert(Deno.lstatSync(`${dir}/playbook.d`).isDirectory);
    assertEquals(await firstLines(env), ["# PLAYBOOK"]);
  });
});

/** `fn` while the data dir's pulse lock is held (the pulse is up, as `_ wait` sees it). */
async function withPulseUp(dir: string, fn: () => Promise<void>): Promise<void> {
  const holder = await holdSessionLock(dir, "pulse");
  try {
    await fn();
  } finally {
    await killHolder(holder);
  }
}

Deno.test("_ wait --json: times out with 124 when nothing is pending, returns at once for a pending ask", async () => {
  await withDataDir(async ({ dir, env }) =>
    await withPulseUp(dir, async () => {
      const t = await looop(["_", "wait", "--json", "--timeout", "1"], { env });
      assertEquals(t.code, 124, t.stderr);
      const doc = JSON.parse(t.stdout);
      assertEquals(Object.keys(doc), ["woke", "state"]);
      assertEquals(doc.woke, "timeout");
      assertMatch(doc.state.world_hash, /^[0-9a-f]{64}$/);
      assertEquals(t.stderr.split("\n").filter(Boolean).length, 1);

      const ask = await looop(["_", "ask", "w1", "--prompt", "deploy?", "--timeout", "0"], { env });
      assertEquals(ask.code, 124, ask.stderr);
      const w = await looop(["_", "wait", "--json"], { env });
      assertEquals(w.code, 0, w.stderr);
      const woke = JSON.parse(w.stdout);
      assertEquals(woke.woke, "ask");
      assertEquals(woke.state.asks.map((a: { id: string }) => a.id), ["w1-1"]);

      const text = await looop(["_", "wait"], { env });
      assertEquals(text.code, 0, text.stderr);
      assertMatch(text.stdout, /^woke: ask\n/);
      assertMatch(text.stdout, /w1-1\s+deploy\?/);
    })
  );
});

Deno.test("_ wait returns with exit 5 when the pulse is down, at the start or while it waits; a pending ask first", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const down = await looop(["_", "wait", "--json"], { env });
    assertEquals(down.code, 5, down.stderr);
    assertEquals(JSON.parse(down.stdout).woke, "down");
    assertEquals(down.stderr, "looop: the pulse is not running: nothing will change — start it with `looop up`\n");

    const holder = await holdSessionLock(dir, "pulse");
    const waiter = spawnLooop(["_", "wait", "--json", "--timeout", "60"], { env });
    try {
      await new Promise((r) => setTimeout(r, 500));
      await killHolder(holder); // the pulse goes down while it waits
      const r = await waiter.done;
      assertEquals([r.code, JSON.parse(r.stdout).woke], [5, "down"], r.stderr);
    } finally {
      await killHolder(holder);
      await reap(waiter);
    }

    const ask = await looop(["_", "ask", "w1", "--prompt", "deploy?", "--timeout", "0"], { env });
    assertEquals(ask.code, 124, ask.stderr);
    const w = await looop(["_", "wait", "--json"], { env });
    assertEquals([w.code, JSON.parse(w.stdout).woke], [0, "ask"], w.stderr);
  });
});

/** Keep writing goal bodies from other processes until the waiter ends (each write moves the hash). */
async function nudgeUntilDone(env: Env, done: Promise<Run>): Promise<{ run: Run; writes: number }> {
  let finished: Run | undefined;
  done.then((r) => finished = r);
  let writes = 0;
  while (!finished) {
    const r = await looop(["_", "goal", "write", "nudge", `body ${writes++}`], { env });
    assertEquals(r.code, 0, r.stderr);
  }
  return { run: finished, writes };
}

Deno.test("_ wait --json in the background wakes with 'world' when another process writes a goal", async () => {
  await withDataDir(async ({ dir, env }) =>
    await withPulseUp(dir, async () => {
      await seed(env);
      const waiter = spawnLooop(["_", "wait", "--json", "--timeout", "60"], { env });
      try {
        const { run } = await nudgeUntilDone(env, waiter.done);
        assertEquals(run.code, 0, run.stderr);
        const doc = JSON.parse(run.stdout);
        assertEquals(doc.woke, "world");
        assert(doc.state.goals.some((g: { id: string }) => g.id === "nudge"), "the printed state has the new goal");
      } finally {
        await reap(waiter);
      }
    })
  );
});

Deno.test("_ wait --only-asks ignores goal writes (times out) but wakes for an ask", async () => {
  await withDataDir(async ({ dir, env }) =>
    await withPulseUp(dir, async () => {
      await seed(env);
      const ignoring = spawnLooop(["_", "wait", "--json", "--only-asks", "--timeout", "1"], { env });
      try {
        const { run, writes } = await nudgeUntilDone(env, ignoring.done);
        assert(writes > 1, "goals were written while it waited");
        assertEquals(run.code, 124, run.stderr);
        assertEquals(JSON.parse(run.stdout).woke, "timeout");
      } finally {
        await reap(ignoring);
      }

      const waiter = spawnLooop(["_", "wait", "--json", "--only-asks", "--timeout", "60"], { env });
      try {
        assertEquals((await looop(["_", "goal", "write", "more", "x"], { env })).code, 0);
        const ask = await looop(["_", "ask", "w2", "--prompt", "ok?", "--timeout", "0"], { env });
        assertEquals(ask.code, 124, ask.stderr);
        const woke = await waiter.done;
        assertEquals(woke.code, 0, woke.stderr);
        assertEquals(JSON.parse(woke.stdout).woke, "ask");
      } finally {
        await reap(waiter);
      }
    })
  );
});

Deno.test("_ sessions --json lists sessions: running while the host lives, then dead, then exited with its code", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    assertEquals(JSON.parse((await looop(["_", "sessions", "--json"], { env })).stdout), []);
    assertEquals((await looop(["_", "sessions"], { env })).stdout, "no sessions\n");

    const holder = await holdSessionLock(dir, "w1");
    try {
      const started = new Date(Date.now() - 90_000).toISOString();
      const meta = {
        id: "w1",
        runner: "pi",
        command: "pi @prompt.md",
        pid: holder.pid,
        host_pid: holder.pid,
        started,
        state: "running",
        cols: 120,
        rows: 40,
      };
      await Deno.writeTextFile(`${dir}/sessions/w1/meta.json`, JSON.stringify(meta));
      const rows = async () => {
        const r = await looop(["_", "sessions", "--json"], { env });
        assertEquals(r.code, 0, r.stderr);
        return JSON.parse(r.stdout);
      };
      const [running] = await rows();
      assertEquals(Object.keys(running).sort(), [
        "age_s",
        "exit_code",
        "health",
        "id",
        "last_lines",
        "pid",
        "runner",
        "state",
        "verify",
      ]);
      assertEquals({ ...running, age_s: undefined }, {
        id: "w1",
        state: "running",
        pid: holder.pid,
        runner: "pi",
        age_s: undefined,
        exit_code: null,
        last_lines: null,
        health: "busy",
        verify: null,
      });
      assert(running.age_s >= 90, `age ${running.age_s}`);
      const text = await looop(["_", "sessions"], { env });
      assertMatch(text.stdout, new RegExp(`^w1\\s+running\\s+busy\\s+${holder.pid}\\s+pi\\s+\\S+`));
      // Nothing printed since its start 90 s ago: stuck under a 60 s threshold (in `_ state` too).
      const stuckEnv = { ...env, LOOOP_WORKER_STUCK_SECS: "60" };
      const listed = JSON.parse((await looop(["_", "worker", "list", "--json"], { env: stuckEnv })).stdout);
      assertEquals(listed.map((r: { id: string; health: string }) => [r.id, r.health]), [["w1", "stuck"]]);
      assertEquals((await stateJson(stuckEnv)).sessions[0].health, "stuck");
      assertEquals((await looop(["_", "ids", "sessions"], { env })).stdout, "w1\n");
      const s = await stateJson(env);
      assertEquals(s.sessions.map((x: { id: string; state: string }) => [x.id, x.state]), [["w1", "running"]]);

      await killHolder(holder);
      assertEquals((await rows())[0].state, "dead");
      assertEquals((await rows())[0].health, "dead");
      assertEquals((await rows())[0].exit_code, null);

      await Deno.writeTextFile(
        `${dir}/sessions/w1/exit.json`,
        JSON.stringify({ code: 3, ts: new Date().toISOString() }),
      );
      const [exited] = await rows();
      assertEquals([exited.state, exited.exit_code], ["exited", 3]);
      assertMatch((await looop(["_", "sessions"], { env })).stdout, /^w1\s+exited\s.*exit 3$/m);
    } finally {
      await killHolder(holder);
    }
  });
});

Deno.test("one gate for every write: a blank inline body and an id with its file's extension are refused, nothing written", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const cases: [string[], RegExp][] = [
      [["_", "playbook", "write", "   "], /refused \(schema\): body: is empty; a move writes the whole file/],
      [["_", "goal", "write", "g", " \n "], /refused \(schema\): body: is empty/],
      [
        ["_", "goal", "write", "good.md", "a body"],
        /goal id "good\.md" ends in its file's extension, which looop adds: use "good"/,
      ],
      [["_", "sensor", "write", "s.sh", "echo '{}'"], /sensor id "s\.sh" ends in its file's extension.*use "s"/],
      [["_", "goal", "write", "g", "body", "--journal", "x".repeat(1001)], /journal: is longer than 1000 characters/],
    ];
    for (const [args, what] of cases) await assertRefusedUnchanged(dir, args, { env }, 2, what);
  });
});
