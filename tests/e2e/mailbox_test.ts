/** The mailbox from the CLI (SPEC §9): `_ ask` blocks until `_ answer`, survives a kill, times out. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  assertOneLineError,
  eventually,
  looop,
  reap,
  seed,
  spawnLooop,
  treeSnapshot,
  withDataDir,
} from "../helpers.ts";

type Env = Record<string, string>;
type AskDoc = { id: string; worker: string; prompt: string; ref?: string; options?: string[]; ts: string };

async function pending(env: Env): Promise<AskDoc[]> {
  const r = await looop(["_", "asks", "--json"], { env });
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

Deno.test("_ ask blocks silently until _ answer, then prints exactly the answer; options are enforced", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const worker = { ...env, LOOOP_SESSION_ID: "w1" };
    const ask = spawnLooop(
      ["_", "ask", "--prompt", "Merge PR #7?", "--options", "yes,no", "--ref", "reports/pr7.md"],
      { env: worker },
    );
    try {
      const [a] = await eventually(async () => (await pending(env)).length === 1 && await pending(env), "the ask");
      assertEquals(Object.keys(a).sort(), ["id", "options", "prompt", "ref", "ts", "worker"]);
      assertEquals({ ...a, ts: "" }, {
        id: "w1-1",
        worker: "w1",
        prompt: "Merge PR #7?",
        ref: "reports/pr7.md",
        options: ["yes", "no"],
        ts: "",
      });
      assertMatch(a.ts, /^\d{4}-\d{2}-\d{2}T/);
      assertEquals((await Deno.stat(`${dir}/asks/w1-1.json`)).mode! & 0o777, 0o600, "asks are private");
      const text = await looop(["_", "asks"], { env });
      assertMatch(
        text.stdout,
        /^w1-1 {2}\(worker w1, .+\)\n {2}Merge PR #7\?\n {2}options: yes, no\n {2}ref: reports\/pr7.md\n$/,
      );
      assertEquals((await looop(["_", "ids", "asks"], { env })).stdout, "w1-1\n");
      assertEquals((await looop(["_", "state", "--json"], { env })).stdout.includes('"w1-1"'), true);

      // Not one of the options: refused, nothing written, the ask keeps waiting.
      const before = await treeSnapshot(dir);
      assertOneLineError(await looop(["_", "answer", "w1-1", "maybe"], { env }), 2, /not an option .* yes, no/);
      assertEquals(await treeSnapshot(dir), before);

      const ok = await looop(["_", "answer", "w1-1", "yes"], { env });
      assertEquals([ok.code, ok.stdout, ok.stderr], [0, "answered w1-1\n", ""]);
      const done = await ask.done;
      assertEquals([done.code, done.stdout, done.stderr], [0, "yes\n", ""]);
      const answer = JSON.parse(await Deno.readTextFile(`${dir}/answers/w1-1.json`));
      assertEquals(Object.keys(answer).sort(), ["answer", "id", "ts"]);
      assertEquals([answer.id, answer.answer], ["w1-1", "yes"]);
      assertEquals((await Deno.stat(`${dir}/answers/w1-1.json`)).mode! & 0o777, 0o600, "answers are private");
      assertEquals(await pending(env), []);
      assertEquals((await looop(["_", "asks"], { env })).stdout, "no pending asks\n");

      // Answered already: refused with exit 1 unless --force.
      const again = await looop(["_", "answer", "w1-1", "no"], { env });
      assertOneLineError(again, 1, /already answered .* --force/);
      const forced = await looop(["_", "answer", "w1-1", "no", "--force"], { env });
      assertEquals(forced.code, 0, forced.stderr);
      assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/answers/w1-1.json`)).answer, "no");
    } finally {
      await reap(ask);
    }
  });
});

Deno.test("an ask killed with SIGKILL stays pending; running it again re-attaches; a late answer is delivered", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const worker = { ...env, LOOOP_SESSION_ID: "w1", LOOOP_ASK_POLL_MS: "200" };
    const args = ["_", "ask", "--prompt", "Which region?"];
    const first = spawnLooop(args, { env: worker });
    try {
      const [a] = await eventually(async () => (await pending(env)).length === 1 && await pending(env), "the ask");
      assertEquals(a.id, "w1-1");
      first.child.kill("SIGKILL");
      const killed = await first.done;
      assertEquals([killed.code, killed.stdout], [137, ""]);

      // Same worker, same prompt: the same ask, not a second one. --timeout exits 124 and leaves it pending.
      const rerun = await looop([...args, "--timeout", "1"], { env: worker });
      assertOneLineError(rerun, 124, /ask w1-1 not answered within 1s/);
      assertEquals(rerun.stdout, "");
      assertEquals((await pending(env)).map((x) => x.id), ["w1-1"]);
      assertEquals([...Deno.readDirSync(`${dir}/asks`)].map((e) => e.name).filter((n) => n.endsWith(".json")), [
        "w1-1.json",
      ]);

      // Another prompt from the same worker is a new ask.
      const other = await looop(["_", "ask", "--prompt", "Which zone?", "--timeout", "0"], { env: worker });
      assertOneLineError(other, 124, /ask w1-2 /);
      assertEquals((await pending(env)).map((x) => x.id), ["w1-1", "w1-2"]);

      // Answered while no `_ ask` waits: the next run gets it at once.
      assertEquals((await looop(["_", "answer", "w1-1", "eu-west"], { env })).code, 0);
      const late = await looop([...args, "--timeout", "10"], { env: worker });
      assertEquals([late.code, late.stdout, late.stderr], [0, "eu-west\n", ""]);

      // Delivered once: asking the same question again is a new ask.
      const fresh = await looop([...args, "--timeout", "0"], { env: worker });
      assertOneLineError(fresh, 124, /ask w1-3 /);
      assertEquals((await pending(env)).map((x) => x.id), ["w1-2", "w1-3"]);
    } finally {
      await reap(first);
    }
  });
});

Deno.test("_ answer of an unknown ask exits 1, lists the pending asks, and writes nothing", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const none = await looop(["_", "answer", "w1-1", "yes"], { env });
    assertOneLineError(none, 1, /no ask 'w1-1' — there are no pending asks/);

    const asked = await looop(["_", "ask", "w2", "--prompt", "Rotate keys?", "--timeout", "0"], { env });
    assertEquals(asked.code, 124, asked.stderr);
    const before = await treeSnapshot(dir);
    const unknown = await looop(["_", "answer", "w9-9", "yes"], { env });
    assertOneLineError(unknown, 1, /no ask 'w9-9' — pending asks: w2-1$/m);
    assertEquals(unknown.stdout, "w2-1\tRotate keys?\n");
    assertEquals(await treeSnapshot(dir), before);
    assert((await pending(env)).length === 1);
  });
});

Deno.test("_ answer <id> - reads stdin; a blank answer is refused; a corrupt answer file leaves the ask answerable", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    for (const w of ["h1", "h2"]) {
      const r = await looop(["_", "ask", w, "--prompt", `${w}?`, "--timeout", "0"], { env });
      assertEquals(r.code, 124, r.stderr);
    }
    for (const blank of ["", "   ", "\n"]) {
      const before = await treeSnapshot(dir);
      const r = await looop(["_", "answer", "h1-1", blank], { env });
      assertOneLineError(r, 2, /^looop: empty answer — /);
      assertEquals(await treeSnapshot(dir), before);
    }
    const piped = await looop(["_", "answer", "h1-1", "-"], { env, stdin: "ship it\n" });
    assertEquals([piped.code, piped.stdout], [0, "answered h1-1\n"], piped.stderr);
    const a = JSON.parse(await Deno.readTextFile(`${dir}/answers/h1-1.json`));
    assertEquals(a.answer, "ship it");
    const blankIn = await looop(["_", "answer", "h2-1", "-"], { env, stdin: " \n\n" });
    assertOneLineError(blankIn, 2, /empty answer on stdin/);

    // A torn answer file answers nothing: h2-1 stays pending, and the next answer replaces it, saying so.
    await Deno.writeTextFile(`${dir}/answers/h2-1.json`, '{"id":"h2-1","ans');
    assertEquals((await pending(env)).map((p) => p.id), ["h2-1"]);
    const fixed = await looop(["_", "answer", "h2-1", "go"], { env });
    assertEquals(fixed.code, 0, fixed.stderr);
    assertEquals(fixed.stdout, "answered h2-1 (its answer file was corrupt and is replaced)\n");
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/answers/h2-1.json`)).answer, "go");
    assertEquals(await pending(env), []);
  });
});

Deno.test("LOOOP_ASK_TIMEOUT_S is _ ask's default --timeout; --timeout still wins; a bad value is a usage error", async () => {
  await withDataDir(async ({ env }) => {
    await seed(env);
    const t0 = performance.now();
    const r = await looop(["_", "ask", "t1", "--prompt", "q?"], { env: { ...env, LOOOP_ASK_TIMEOUT_S: "0.3" } });
    assertEquals(r.code, 124, r.stderr);
    assertMatch(r.stderr, /^looop: ask t1-1 not answered within 0\.3s/);
    assert(performance.now() - t0 < 30_000, "bounded");
    const flag = await looop(["_", "ask", "t1", "--prompt", "q?", "--timeout", "0"], {
      env: { ...env, LOOOP_ASK_TIMEOUT_S: "3600" },
    });
    assertEquals(flag.code, 124, flag.stderr);
    assertMatch(flag.stderr, /not answered within 0s/);
    const bad = await looop(["_", "ask", "t1", "--prompt", "q?"], { env: { ...env, LOOOP_ASK_TIMEOUT_S: "soon" } });
    assertOneLineError(
      bad,
      2,
      /^looop: LOOOP_ASK_TIMEOUT_S must be a number of seconds, got 'soon' — e\.g\. LOOOP_ASK_TIMEOUT_S=30\n$/,
    );
  });
});
