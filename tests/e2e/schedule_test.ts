/** The schedule verbs (issue #16): `_ schedule write|rm|list`, through the same gate as the moves, and their bad input. */
import { assertEquals, assertMatch } from "../assert.ts";
import { assertRefusedUnchanged, JOURNAL_LINE, looop, seed, withDataDir } from "../helpers.ts";

type Env = Record<string, string>;

async function ok(env: Env, args: string[]): Promise<string> {
  const r = await looop(args, { env });
  assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  assertEquals(r.stderr, "");
  return r.stdout;
}

Deno.test("_ schedule write, list and rm: the file, one journal line each, the list in text and JSON", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    assertMatch(await ok(env, ["_", "schedule", "list"]), /^no schedules \(write one with /);
    assertEquals(JSON.parse(await ok(env, ["_", "schedule", "list", "--json"])), []);

    const before = Date.now();
    const once = (await ok(env, ["_", "schedule", "write", "ping", "--in", "600", "--note", "ping the team"]))
      .trimEnd();
    assertMatch(once, JOURNAL_LINE);
    assertMatch(once, / write_schedule ping \(in 600s\) \(by hand\)$/);
    const every = await ok(env, [
      "_",
      "schedule",
      "write",
      "standup",
      "--every",
      "86400",
      "--journal",
      "daily standup",
    ]);
    assertMatch(every.trimEnd(), / daily standup$/);

    const file = JSON.parse(await Deno.readTextFile(`${dir}/schedules/ping.json`));
    assertEquals(Object.keys(file).sort(), ["created", "due", "kind", "name", "note"]);
    assertEquals([file.name, file.kind, file.note], ["ping", "once", "ping the team"]);
    const dueIn = Date.parse(file.due) - before;
    assertEquals(dueIn >= 600_000 && dueIn < 700_000, true, `due ${file.due} is about 600 s after the write`);

    const rows = JSON.parse(await ok(env, ["_", "schedule", "list", "--json"]));
    assertEquals(rows.map((r: { name: string }) => r.name), ["ping", "standup"]);
    assertEquals([rows[0].kind, rows[0].state, rows[0].next, rows[0].note], [
      "once",
      "pending",
      file.due,
      "ping the team",
    ]);
    assertEquals([rows[1].kind, rows[1].every_s, rows[1].state, rows[1].note], ["every", 86400, 0, ""]);
    assertEquals(Date.parse(rows[1].next) - Date.parse(rows[1].anchor), 86400_000);

    const text = await ok(env, ["_", "schedule", "list"]);
    assertMatch(text, /^ping {5}once {3}due at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}ping the team$/m);
    assertMatch(text, /^standup {2}every 86400s, next \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(period 0\)$/m);

    const rm = (await ok(env, ["_", "schedule", "rm", "ping"])).trimEnd();
    assertMatch(rm, / drop_schedule ping \(by hand\)$/);
    assertEquals(await Deno.stat(`${dir}/schedules/ping.json`).then(() => true, () => false), false);
    assertEquals(JSON.parse(await ok(env, ["_", "schedule", "list", "--json"])).length, 1);
    const journal = (await Deno.readTextFile(`${dir}/journal.md`)).trimEnd().split("\n");
    assertEquals(journal.slice(-3), [once, every.trimEnd(), rm]);
  });
});

Deno.test("_ schedule bad input: one line with a fix, a non-zero exit, and nothing written", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const w = (...args: string[]) => ["_", "schedule", "write", ...args];
    const cases: [string[], number, RegExp][] = [
      [
        w("fast", "--every", "30"),
        2,
        /every_s: is under 60; a repeating schedule's period is at least 60 seconds.* — e\.g\./,
      ],
      [w("../x", "--in", "60"), 2, /schedule id "\.\.\/x" contains a path separator — use 1-64 characters/],
      [w(".hidden", "--in", "60"), 2, /schedule id "\.hidden" starts with '\.'/],
      [
        w("both", "--in", "60", "--every", "60"),
        2,
        /^looop: give --in or --every, not both — e\.g\. `looop _ schedule write/,
      ],
      [w("neither"), 2, /^looop: give --in or --every — e\.g\./],
      [w("soon", "--in", "0"), 2, /in_s: is not positive/],
      [w("soon", "--in", "1.5"), 2, /in_s: is not a whole number of seconds/],
      [w("soon", "--in", "abc"), 2, /^looop: --in must be a number of seconds, got 'abc' — e\.g\./],
      [w("far", "--in", String(367 * 86400)), 2, /in_s: is over 366 days/],
      [w("x.json", "--in", "60"), 2, /ends in its file's extension, which looop adds: use "x"/],
      [["_", "schedule", "rm", "nope"], 1, /^looop: refused \(state\): no schedule 'nope' in schedules\/ — /],
      [["_", "schedule", "rm", "../goals/setup"], 2, /schedule id "\.\.\/goals\/setup" contains a path separator/],
    ];
    for (const [args, code, what] of cases) await assertRefusedUnchanged(dir, args, { env }, code, what);
  });
});
