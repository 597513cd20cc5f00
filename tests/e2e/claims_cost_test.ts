/** Claims and the spend ledger from the CLI (SPEC §9): `_ claim`, `_ unclaim`, `_ cost`, `looop cost`. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  assertOneLineError,
  assertRefusedUnchanged,
  holdSessionLock,
  killHolder,
  localDayOf,
  looop,
  seed,
  withDataDir,
} from "../helpers.ts";

const readClaim = async (dir: string, name: string) =>
  JSON.parse(await Deno.readTextFile(`${dir}/claims/${name}.json`));

Deno.test("_ claim / _ unclaim with LOOOP_SESSION_ID and with --session", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const s1 = await holdSessionLock(dir, "s1");
    const s2 = await holdSessionLock(dir, "s2");
    try {
      const asS1 = { ...env, LOOOP_SESSION_ID: "s1" };
      const c = await looop(["_", "claim", "db"], { env: asS1 });
      assertEquals([c.code, c.stdout, c.stderr], [0, "claimed db\n", ""]);
      const held = await readClaim(dir, "db");
      assertEquals(Object.keys(held).sort(), ["name", "session", "ts"]);
      assertEquals([held.session, held.name], ["s1", "db"]);

      const again = await looop(["_", "claim", "db", "--session", "s1"], { env });
      assertEquals([again.code, again.stdout], [0, "db is already claimed by s1\n"], "idempotent for the holder");

      // --session wins over the environment; a live holder refuses with exit 1 and is named.
      await assertRefusedUnchanged(dir, ["_", "claim", "db", "--session", "s2"], { env: asS1 }, 1, /live session s1/);
      await assertRefusedUnchanged(dir, ["_", "unclaim", "db"], { env: { ...env, LOOOP_SESSION_ID: "s2" } }, 1, /s1/);

      const state = JSON.parse((await looop(["_", "state", "--json"], { env })).stdout);
      assertEquals(state.claims, [{ name: "db", session: "s1", ts: held.ts, live: true }]);
      assertEquals(state.sessions.map((x: { id: string; state: string }) => x.state), ["running", "running"]);

      const r = await looop(["_", "unclaim", "db", "--session", "s1"], { env });
      assertEquals([r.code, r.stdout], [0, "released db\n"]);
      await Deno.stat(`${dir}/claims/db.json`).then(() => assert(false, "still claimed"), () => {});
      const twice = await looop(["_", "unclaim", "db"], { env: asS1 });
      assertEquals([twice.code, twice.stdout], [0, "db was not claimed\n"]);

      const s2claims = await looop(["_", "claim", "db", "--session", "s2"], { env: asS1 });
      assertEquals([s2claims.code, s2claims.stdout], [0, "claimed db\n"]);
      assertEquals((await readClaim(dir, "db")).session, "s2");
    } finally {
      await killHolder(s1);
      await killHolder(s2);
    }
  });
});

Deno.test("_ claim without any session is a usage error (exit 2) and claims nothing", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    await assertRefusedUnchanged(dir, ["_", "claim", "db"], { env }, 2, /no session id for _ claim/);
    await assertRefusedUnchanged(dir, ["_", "unclaim", "db"], { env }, 2, /no session id for _ unclaim/);
  });
});

Deno.test("a claim held by a dead session is taken over", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const s1 = await holdSessionLock(dir, "s1");
    const s2 = await holdSessionLock(dir, "s2");
    try {
      assertEquals((await looop(["_", "claim", "repo", "--session", "s1"], { env })).code, 0);
      const listed = JSON.parse((await looop(["_", "state", "--json"], { env })).stdout).claims;
      assertEquals(listed.map((c: { name: string; session: string }) => [c.name, c.session]), [["repo", "s1"]]);
      assertOneLineError(await looop(["_", "claim", "repo", "--session", "s2"], { env }), 1, /live session s1/);

      await killHolder(s1);
      const r = await looop(["_", "claim", "repo", "--session", "s2"], { env });
      assertEquals([r.code, r.stdout, r.stderr], [0, "claimed repo (taken over from dead session s1)\n", ""]);
      assertEquals((await readClaim(dir, "repo")).session, "s2");
    } finally {
      await killHolder(s1);
      await killHolder(s2);
    }
  });
});

Deno.test("_ cost records positive spend from its arguments or from the worker's environment", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const a = await looop(["_", "cost", "session", "w1", "pi", "0.25"], { env });
    assertEquals([a.code, a.stdout, a.stderr], [0, "recorded $0.25 for w1 (pi)\n", ""]);
    const worker = { ...env, LOOOP_SESSION_ID: "w2", LOOOP_RUNNER: "claude" };
    const b = await looop(["_", "cost", "0.5"], { env: worker });
    assertEquals([b.code, b.stdout], [0, "recorded $0.5 for w2 (claude)\n"]);
    const zero = await looop(["_", "cost", "0"], { env: worker });
    assertEquals([zero.code, zero.stdout], [0, "nothing to record (0 USD)\n"]);

    const lines = (await Deno.readTextFile(`${dir}/cost.jsonl`)).split("\n");
    assertEquals(lines.length, 3, "two whole lines and the final newline");
    assertEquals(lines[2], "");
    const records = lines.slice(0, 2).map((l) => JSON.parse(l));
    for (const r of records) assertEquals(Object.keys(r), ["ts", "kind", "id", "runner", "cost_usd"]);
    assertEquals(records.map((r) => [r.kind, r.id, r.runner, r.cost_usd]), [
      ["session", "w1", "pi", 0.25],
      ["session", "w2", "claude", 0.5],
    ]);

    for (const bad of ["-1", "abc", "1e999", ""]) {
      await assertRefusedUnchanged(dir, ["_", "cost", bad], { env: worker }, 2, /is not an amount in USD/);
    }
    await assertRefusedUnchanged(dir, ["_", "cost", "session", "w1", "pi", "-0.1"], { env }, 2, /not an amount/);
    await assertRefusedUnchanged(dir, ["_", "cost", "0.5"], { env }, 2, /no session id for _ cost/);
    await assertRefusedUnchanged(dir, ["_", "cost", "0.5"], { env: { ...env, LOOOP_SESSION_ID: "w2" } }, 2, /runner/);
    await assertRefusedUnchanged(dir, ["_", "cost", "1", "2"], { env: worker }, 2, /usage: _ cost/);
  });
});

Deno.test("looop cost today|all --json sums by day, kind and id; a garbage ledger line is counted, not fatal", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    await Deno.writeTextFile(`${dir}/config.json`, '{ "max_daily_usd": 5, // budget\n}\n');
    const now = new Date();
    const earlier = new Date(now.getTime() - 3 * 86_400_000);
    const rec = (ts: Date, kind: string, id: string, usd: number) =>
      JSON.stringify({ ts: ts.toISOString(), kind, id, runner: "pi", cost_usd: usd }) + "\n";
    await Deno.writeTextFile(
      `${dir}/cost.jsonl`,
      rec(earlier, "tick", "pulse", 0.125) + rec(earlier, "session", "w0", 1) + "{not json\n" +
        rec(now, "tick", "pulse", 0.1),
    );
    assertEquals((await looop(["_", "cost", "session", "w1", "pi", "0.25"], { env })).code, 0);
    assertEquals((await looop(["_", "cost", "session", "w1", "pi", "0.05"], { env })).code, 0);
    assertEquals(
      (await looop(["_", "cost", "0.5"], { env: { ...env, LOOOP_SESSION_ID: "w2", LOOOP_RUNNER: "pi" } })).code,
      0,
    );

    const today = localDayOf(now);
    const todayDoc = {
      day: today,
      total_usd: 0.9,
      by_kind: { tick: 0.1, session: 0.8 },
      by_id: { pulse: 0.1, w1: 0.3, w2: 0.5 },
    };
    const t = await looop(["cost", "today", "--json"], { env });
    assertEquals(t.code, 0, t.stderr);
    assertEquals(t.stderr, "");
    const todayJson = JSON.parse(t.stdout);
    assertEquals(Object.keys(todayJson), [
      "range",
      "days",
      "total_usd",
      "today_usd",
      "budget_usd",
      "skipped_decides",
      "bad_lines",
    ]);
    assertEquals(todayJson, {
      range: "today",
      days: [todayDoc],
      total_usd: 0.9,
      today_usd: 0.9,
      budget_usd: 5,
      skipped_decides: { beats: 0, count: 0, average_decide_usd: null, would_have_cost_usd: null },
      bad_lines: 1,
    });
    assertEquals(JSON.parse((await looop(["cost", "--json"], { env })).stdout), todayJson, "today is the default");

    const all = JSON.parse((await looop(["cost", "all", "--json"], { env })).stdout);
    assertEquals(all, {
      range: "all",
      days: [
        {
          day: localDayOf(earlier),
          total_usd: 1.125,
          by_kind: { tick: 0.125, session: 1 },
          by_id: { pulse: 0.125, w0: 1 },
        },
        todayDoc,
      ],
      total_usd: 2.025,
      today_usd: 0.9,
      budget_usd: 5,
      skipped_decides: { beats: 0, count: 0, average_decide_usd: null, would_have_cost_usd: null },
      bad_lines: 1,
    });

    const text = await looop(["cost", "all"], { env });
    assertEquals(text.code, 0, text.stderr);
    assertMatch(text.stdout, new RegExp(`^${today} {2}\\$0\\.9000 {2}tick \\$0\\.1000, session \\$0\\.8000$`, "m"));
    assertMatch(text.stdout, /^ {2}w2 +\$0\.5000$/m);
    assertMatch(text.stdout, /^total +\$2\.0250$/m);
    assertMatch(text.stdout, /^budget: \$0\.9000 of \$5 today$/m);
    assertMatch(text.stdout, /^1 unreadable ledger line\(s\) skipped$/m);

    const state = JSON.parse((await looop(["_", "state", "--json"], { env })).stdout);
    assertEquals(state.spend, { today_usd: 0.9, budget_usd: 5 });

    await assertRefusedUnchanged(dir, ["cost", "yesterday"], { env }, 2, /unknown range 'yesterday'/);
  });
});

Deno.test("looop cost with an empty ledger says so", async () => {
  await withDataDir(async ({ env }) => {
    const t = await looop(["cost"], { env });
    assertEquals([t.code, t.stdout], [0, "no spend today\n"]);
    const j = JSON.parse((await looop(["cost", "all", "--json"], { env })).stdout);
    assertEquals(j, {
      range: "all",
      days: [],
      total_usd: 0,
      today_usd: 0,
      budget_usd: null,
      skipped_decides: { beats: 0, count: 0, average_decide_usd: null, would_have_cost_usd: null },
      bad_lines: 0,
    });
  });
});
