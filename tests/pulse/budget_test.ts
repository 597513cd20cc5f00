/**
 * The budget breaker (SPEC §5 step 6): once today's (local day) ledger total reaches
 * max_daily_usd, beats skip the decide and the journal says so once; yesterday's spend does not
 * count. A budget with a runner that reports no cost pauses after 3 decides (fail closed).
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually, localDayOf } from "../helpers.ts";
import { countMatching, FIXTURES, processesWith, uniqueMark, withLab } from "./helpers.ts";

const BUDGET_LINE = /^- \S+ \S+ daily budget reached \(\$[\d.]+ ≥ \$[\d.]+\) — AI paused until local midnight$/;

Deno.test("budget: the decide that crosses max_daily_usd is the last; the pause is journaled once", async () => {
  await withLab({ config: { max_daily_usd: 0.005 }, env: { FAKE_COST: "0.003" } }, async (lab) => {
    await lab.beatExpect(0, "moved");
    await lab.touchGoal("g", "1");
    await lab.beatExpect(0, "moved"); // today: 0.003 < 0.005, so it decides, bringing the total to 0.006
    assertEquals((await lab.ledger()).map((r) => r.cost_usd), [0.003, 0.003]);
    assertEquals(await lab.decides(), 2);

    for (let i = 2; i <= 5; i++) {
      await lab.touchGoal("g", String(i)); // the world changed, so only the budget holds the decide back
      const b = await lab.beatExpect(0, "paused");
      assertEquals(b.result?.why, "budget");
      assertMatch(b.stderr, /"event":"budget\.pause"/);
    }
    assertEquals(await lab.decides(), 2, "no decide while paused");
    assertEquals((await lab.ledger()).length, 2);
    const journal = await lab.journal();
    assertEquals(countMatching(journal, /daily budget reached/), 1, journal.join("\n"));
    assertMatch(journal.find((l) => /daily budget reached/.test(l))!, BUDGET_LINE);
    assertMatch(
      journal.find((l) => /daily budget reached/.test(l))!,
      /\(\$0\.0060 ≥ \$0\.0050\)/,
      "not rounded to cents",
    );

    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals(state.spend, { today_usd: 0.006, budget_usd: 0.005 });

    // Raising the budget lifts the pause at once.
    await lab.configure({ max_daily_usd: 1 });
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 3);
  });
});

Deno.test("budget: spend dated yesterday does not pause today", async () => {
  await withLab({ config: { max_daily_usd: 0.005 }, env: { FAKE_COST: "0.003" } }, async (lab) => {
    const now = new Date();
    const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1, 12, 0, 0);
    assert(localDayOf(yesterday) !== localDayOf(now));
    const rec = (usd: number) =>
      JSON.stringify({ ts: yesterday.toISOString(), kind: "tick", id: "pulse", runner: "pi", cost_usd: usd });
    await Deno.writeTextFile(`${lab.dir}/cost.jsonl`, `${rec(0.5)}\n${rec(2)}\n`);
    await lab.beatExpect(0, "moved");
    await lab.touchGoal("g", "1");
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.decides(), 2);
    assertEquals(countMatching(await lab.journal(), /daily budget reached/), 0);
    // And the third one, today's 0.006 ≥ 0.005, does pause: the test above holds here too.
    await lab.touchGoal("g", "2");
    assertEquals((await lab.beatExpect(0, "paused")).result?.why, "budget");
  });
});

Deno.test("budget: an unmetered runner pauses after 3 decides and the journal says how to declare a cost", async () => {
  await withLab({ config: { max_daily_usd: 5 }, env: { FAKE_COST: "none" } }, async (lab) => {
    for (let i = 0; i < 3; i++) {
      await lab.touchGoal("g", String(i));
      await lab.beatExpect(0, "moved");
    }
    assertEquals(await lab.decides(), 3);
    assertEquals(await lab.ledger(), [], "no cost, no ledger line");
    for (let i = 3; i < 5; i++) {
      await lab.touchGoal("g", String(i));
      assertEquals((await lab.beatExpect(0, "paused")).result?.why, "unmetered");
    }
    assertEquals(await lab.decides(), 3);
    const journal = await lab.journal();
    const lines = journal.filter((l) => /reported no cost/.test(l));
    assertEquals(lines.length, 1, journal.join("\n"));
    assertMatch(
      lines[0],
      /runner 'pi' reported no cost for 3 decides — AI paused: declare "cost": \{"type", "pointer", "mode"\}/,
    );
    assertMatch(lines[0], new RegExp(`under "runners" in ${lab.dir}/config\\.json, or remove max_daily_usd`));
  });
});

Deno.test("budget: without max_daily_usd an unmetered runner never pauses", async () => {
  await withLab({ env: { FAKE_COST: "none" } }, async (lab) => {
    for (let i = 0; i < 4; i++) {
      await lab.touchGoal("g", String(i));
      await lab.beatExpect(0, "moved");
    }
    assertEquals(await lab.decides(), 4);
  });
});

Deno.test("budget: a runner that is not installed spent nothing, so its failures never count as unmetered", async () => {
  await withLab({ config: { max_daily_usd: 5 } }, async (lab) => {
    // The same runner config throughout: `fake-pi` found on PATH, or not.
    await lab.configure({ max_daily_usd: 5, runners: { pi: { tick: "fake-pi" } } });
    // Four failed beats while it is not installed: each world change retries at once.
    for (let i = 0; i < 4; i++) {
      await lab.touchGoal("g", `missing ${i}`);
      // Exit 127: the runner (a dependency) is not found.
      const b = await lab.beatExpect(127, "no-move");
      assertMatch(b.result?.reason ?? "", /runner 'pi' not found on PATH/);
    }
    // Installed: its decide is metered and runs; it was never paused as unmetered.
    await lab.touchGoal("g", "installed");
    await lab.beatExpect(0, "moved", { PATH: `${FIXTURES}:${Deno.env.get("PATH")}` });
    assertEquals(await lab.decides(), 1);
  });
});

Deno.test("decide cap: LOOOP_MAX_DECIDES_PER_HOUR=2 lets two decides through, then pauses (journaled once); _ state counts them", async () => {
  await withLab({}, async (lab) => {
    const env = { LOOOP_MAX_DECIDES_PER_HOUR: "2" };
    for (let i = 0; i < 4; i++) {
      await lab.touchGoal("g", `change ${i}`); // the world moves every time
      const b = await lab.beatExpect(0, i < 2 ? "moved" : "paused", env);
      if (i >= 2) {
        assertEquals([b.result?.why, b.result?.retryInS !== undefined], ["cap", true]);
        assertMatch(b.stderr, /"event":"decide\.cap","msg":"2 decides in the last hour reached the cap of 2/);
      }
    }
    assertEquals(await lab.decides(), 2);
    assertEquals(countMatching(await lab.journal(), /reached the cap of 2 \(max_decides_per_hour\)/), 1);
    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals(state.decides, { last_hour: 2, last_day: 2 });
    // Without the override the config's default (30) holds: the next beat decides.
    await lab.touchGoal("g", "one more");
    await lab.beatExpect(0, "moved");
  });
});

Deno.test("tick deadline: LOOOP_TICK_TIMEOUT_SECS ends a hanging decide at that many seconds", async () => {
  await withLab({ runner: "fake-hang" }, async (lab) => {
    const mark = uniqueMark();
    const b = await lab.beatExpect(1, "no-move", { LOOOP_TICK_TIMEOUT_SECS: "1", FAKE_HANG_MARK: mark });
    assertEquals(b.result?.reason, "the runner timed out after 1s");
    await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "the runner's group ended");
  });
});
