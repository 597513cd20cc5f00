/**
 * Many real processes at once (STYLE "include the hard ones"): fifty asks, twenty claimants of one
 * name, twenty writers of one goal.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  assertOneLineError,
  eventually,
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

Deno.test("50 concurrent _ ask from one worker get 50 distinct ids, and each gets exactly its own answer", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const worker = { ...env, LOOOP_SESSION_ID: "w1", LOOOP_ASK_POLL_MS: "250" };
    const n = 50;
    const asks = Array.from(
      { length: n },
      (_, i) => spawnLooop(["_", "ask", "--prompt", `question ${i}`], { env: worker }),
    );
    try {
      const countAsks = async () => {
        let c = 0;
        for await (const e of Deno.readDir(`${dir}/asks`)) if (e.name.endsWith(".json")) c++;
        return c;
      };
      await eventually(async () => (await countAsks()) >= n, `${n} ask files`, 90_000);
      const r = await looop(["_", "asks", "--json"], { env });
      assertEquals(r.code, 0, r.stderr);
      const listed: { id: string; worker: string; prompt: string }[] = JSON.parse(r.stdout);
      assertEquals(listed.length, n);
      assertEquals(
        new Set(listed.map((a) => a.id)),
        new Set(Array.from({ length: n }, (_, i) => `w1-${i + 1}`)),
        "50 distinct ids, w1-1 … w1-50",
      );
      assertEquals(new Set(listed.map((a) => a.prompt)).size, n, "one ask per prompt");
      assert(listed.every((a) => a.worker === "w1"));

      // Answer each with a text that names its own question, two answers at a time.
      for (let i = 0; i < listed.length; i += 2) {
        await Promise.all(
          listed.slice(i, i + 2).map(async (a) => {
            const ans = await looop(["_", "answer", a.id, `answer to ${a.prompt}`], { env });
            assertEquals(ans.code, 0, ans.stderr);
          }),
        );
      }
      const results: Run[] = await Promise.all(asks.map((a) => a.done));
      results.forEach((res, i) => {
        assertEquals([res.code, res.stdout, res.stderr], [0, `answer to question ${i}\n`, ""], `ask ${i}`);
      });
      assertEquals(JSON.parse((await looop(["_", "asks", "--json"], { env })).stdout), []);
    } finally {
      await reap(...asks);
    }
  });
});

Deno.test("20 live sessions claim one name at once: exactly one wins, 19 exit 1 naming the winner", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const n = 20;
    const holders = await Promise.all(Array.from({ length: n }, (_, i) => holdSessionLock(dir, `s${i}`)));
    try {
      const runs = await Promise.all(
        holders.map((_, i) => looop(["_", "claim", "deploy", "--session", `s${i}`], { env })),
      );
      const winners = runs.flatMap((r, i) => r.code === 0 ? [i] : []);
      assertEquals(winners.length, 1, `winners: ${winners.join(", ")}`);
      const winner = `s${winners[0]}`;
      assertEquals(runs[winners[0]].stdout, "claimed deploy\n");
      const claim = JSON.parse(await Deno.readTextFile(`${dir}/claims/deploy.json`));
      assertEquals([claim.session, claim.name], [winner, "deploy"]);
      runs.forEach((r, i) => {
        if (i !== winners[0]) assertOneLineError(r, 1, new RegExp(`'deploy' is claimed by live session ${winner} `));
      });
    } finally {
      await Promise.all(holders.map(killHolder));
    }
  });
});

Deno.test("20 concurrent _ goal write of one id never leave a torn or empty file", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const path = `${dir}/goals/same.md`;
    assertEquals((await looop(["_", "goal", "write", "same", "initial"], { env })).code, 0);
    const journalBefore = (await Deno.readTextFile(`${dir}/journal.md`)).split("\n").filter(Boolean).length;
    const bodies = Array.from({ length: 20 }, (_, i) => `# body ${i}\n` + `${i % 10}`.repeat(40_000 + i));
    const valid = new Set(["initial\n", ...bodies.map((b) => b + "\n")]);

    let finished = false;
    const writers = Promise.all(bodies.map((b) => looop(["_", "goal", "write", "same", "-"], { env, stdin: b })))
      .finally(() => finished = true);
    // Read the file over and over while they write: every read sees one whole version.
    let reads = 0;
    try {
      while (!finished) {
        const text = await Deno.readTextFile(path);
        reads++;
        assert(valid.has(text), `read #${reads}: a torn or empty goal (${text.length} chars)`);
      }
    } finally {
      await writers;
    }
    for (const r of await writers) assertEquals(r.code, 0, r.stderr);
    const final = await Deno.readTextFile(path);
    assert(bodies.some((b) => final === b + "\n"), "the final content is one of the bodies");

    const journal = (await Deno.readTextFile(`${dir}/journal.md`)).split("\n").filter(Boolean);
    assertEquals(journal.length, journalBefore + 20, "one journal line per write, none lost");
    for (const line of journal) assert(JOURNAL_LINE.test(line) && / write_goal same \(by hand\)$/.test(line), line);
    const activity = JSON.parse(await Deno.readTextFile(`${dir}/.goal-activity.json`));
    assert(typeof activity.same === "string");
    const leftovers = [...Deno.readDirSync(`${dir}/goals`)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
    assertEquals(leftovers, [], "no temp files left behind");
  });
});
