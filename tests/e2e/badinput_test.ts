/**
 * Bad input (SPEC §2, §3, §4): one line on stderr, `looop: <what> — <how to fix>`, the documented
 * exit code, and not one byte of the data dir changed (every file, dotfiles and locks included).
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  assertOneLineError,
  assertRefusedUnchanged,
  holdSessionLock,
  killHolder,
  looop,
  seed,
  treeSnapshot,
  withDataDir,
} from "../helpers.ts";

const BAD_IDS = ["../x", ".hidden", "a/b", "", "a".repeat(65), "a\\b"];

Deno.test("unsafe ids are refused (exit 2) by every verb that takes one, before any file is touched", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    // Give the data dir a claim, an ask and an answer, so their dirs and locks exist and must stay as they are.
    const holder = await holdSessionLock(dir, "s1");
    try {
      assertEquals((await looop(["_", "claim", "res", "--session", "s1"], { env })).code, 0);
      assertEquals((await looop(["_", "ask", "w1", "--prompt", "q", "--timeout", "0"], { env })).code, 124);
      assertEquals((await looop(["_", "goal", "write", "keep", "body"], { env })).code, 0);
      const idProblem = /(invalid|refused \(id\)).* id .*(empty|path separator|starts with '\.'|65 characters|outside)/;
      for (const id of BAD_IDS) {
        type Case = { args: string[]; env?: Record<string, string>; stdin?: string; what?: RegExp };
        const cases: Case[] = [
          { args: ["_", "goal", "write", id, "body"] },
          { args: ["_", "goal", "write", id], stdin: "body from stdin" },
          { args: ["_", "goal", "archive", id] },
          { args: ["_", "sensor", "write", id, "echo {}"] },
          { args: ["_", "sensor", "write", id, "-"], stdin: "echo {}" },
          { args: ["_", "claim", id, "--session", "s1"] },
          { args: ["_", "unclaim", id, "--session", "s1"] },
          { args: ["_", "answer", id, "yes"] },
          // An empty worker id is no worker id at all.
          { args: ["_", "ask", id, "--prompt", "q", "--timeout", "0"], what: id === "" ? /no session id/ : undefined },
        ];
        if (id !== "") {
          cases.push(
            { args: ["_", "claim", "res2", "--session", id] },
            { args: ["_", "ask", "--prompt", "q", "--timeout", "0"], env: { ...env, LOOOP_SESSION_ID: id } },
            { args: ["_", "claim", "res2"], env: { ...env, LOOOP_SESSION_ID: id } },
          );
        }
        for (const c of cases) {
          await assertRefusedUnchanged(dir, c.args, { env: c.env ?? env, stdin: c.stdin }, 2, c.what ?? idProblem);
        }
      }
    } finally {
      await killHolder(holder);
    }
  });
});

Deno.test("an empty --prompt, a bad --timeout and empty --options are usage errors that ask nothing", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const w = { ...env, LOOOP_SESSION_ID: "w1" };
    await assertRefusedUnchanged(dir, ["_", "ask", "--prompt", ""], { env: w }, 2, /empty --prompt/);
    await assertRefusedUnchanged(dir, ["_", "ask", "--prompt", "  \n "], { env: w }, 2, /empty --prompt/);
    await assertRefusedUnchanged(dir, ["_", "ask"], { env: w }, 2, /--prompt/);
    await assertRefusedUnchanged(dir, ["_", "ask", "--prompt", "q", "--timeout", "-5"], { env: w }, 2, /--timeout/);
    await assertRefusedUnchanged(dir, ["_", "ask", "--prompt", "q", "--timeout", "soon"], { env: w }, 2, /--timeout/);
    await assertRefusedUnchanged(dir, ["_", "ask", "--prompt", "q", "--options", " , "], { env: w }, 2, /--options/);
    await assertRefusedUnchanged(dir, ["_", "wait", "--timeout", "x"], { env }, 2, /--timeout/);
  });
});

Deno.test("answering an unknown or an already answered ask exits 1 and changes nothing", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    assertEquals((await looop(["_", "ask", "w1", "--prompt", "q", "--timeout", "0"], { env })).code, 124);
    await assertRefusedUnchanged(dir, ["_", "answer", "w1-2", "yes"], { env }, 1, /no ask 'w1-2'/);
    assertEquals((await looop(["_", "answer", "w1-1", "yes"], { env })).code, 0);
    await assertRefusedUnchanged(dir, ["_", "answer", "w1-1", "no"], { env }, 1, /already answered/);
    // Delivered (filed away) and answered: still refused.
    assertEquals((await looop(["_", "ask", "w1", "--prompt", "q", "--timeout", "5"], { env })).stdout, "yes\n");
    await assertRefusedUnchanged(dir, ["_", "answer", "w1-1", "no"], { env }, 1, /already answered/);
  });
});

Deno.test("a body over max_body_bytes is refused by the gate (exit 3); the cap counts bytes", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    await Deno.writeTextFile(`${dir}/config.json`, '{ "max_body_bytes": 64 }\n');
    assertEquals((await looop(["_", "goal", "write", "g", "x".repeat(64)], { env })).code, 0, "at the cap is fine");
    const over = /refused \(size\): .* 65 bytes, over the cap of 64 — .*max_body_bytes/;
    await assertRefusedUnchanged(dir, ["_", "goal", "write", "g", "y".repeat(65)], { env }, 3, over);
    await assertRefusedUnchanged(dir, ["_", "goal", "write", "new"], { env, stdin: "z".repeat(65) }, 3, over);
    await assertRefusedUnchanged(dir, ["_", "goal", "write", "g", "é".repeat(33)], { env }, 3, /66 bytes/);
    await assertRefusedUnchanged(dir, ["_", "sensor", "write", "s", "-"], { env, stdin: "#".repeat(65) }, 3, over);
    await assertRefusedUnchanged(dir, ["_", "playbook", "write", "p".repeat(65)], { env }, 3, over);
    assertEquals(await Deno.readTextFile(`${dir}/goals/g.md`), "x".repeat(64) + "\n");
  });
});

Deno.test("with the default cap (256 KiB) a 300 KiB body on stdin is refused and nothing is written", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const big = "0123456789abcdef".repeat(300 * 64);
    assertEquals(big.length, 300 * 1024);
    await assertRefusedUnchanged(
      dir,
      ["_", "goal", "write", "big"],
      { env, stdin: big },
      3,
      /307200 bytes, over the cap of 262144/,
    );
    const fits = "x".repeat(256 * 1024);
    assertEquals((await looop(["_", "goal", "write", "fits", "-"], { env, stdin: fits })).code, 0);
    assertEquals((await Deno.stat(`${dir}/goals/fits.md`)).size, 256 * 1024 + 1);
  });
});

Deno.test("an empty body on stdin is a usage error", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    await assertRefusedUnchanged(dir, ["_", "goal", "write", "g"], { env, stdin: "" }, 2, /empty goal body on stdin/);
    await assertRefusedUnchanged(dir, ["_", "goal", "write", "g", "-"], { env, stdin: " \n" }, 2, /empty goal body/);
    await assertRefusedUnchanged(dir, ["_", "sensor", "write", "s"], { env, stdin: "" }, 2, /empty sensor script/);
    await assertRefusedUnchanged(dir, ["_", "playbook", "write"], { env, stdin: "" }, 2, /empty PLAYBOOK/);
  });
});

Deno.test("archiving a goal that does not exist is refused by state (exit 1)", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    await assertRefusedUnchanged(dir, ["_", "goal", "archive", "nope"], { env }, 1, /no goal 'nope'/);
  });
});

Deno.test("malformed JSONC in config.json names file:line:col (exit 2); the verb changes nothing", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const file = `${dir}/config.json`;
    await Deno.writeTextFile(file, '{\n  // comments are fine\n  "interval": 60,\n  oops\n}\n');
    const at = new RegExp(`${file.replaceAll("/", "\\/")}:4:3: invalid JSONC`);
    await assertRefusedUnchanged(dir, ["_", "goal", "write", "g", "body"], { env }, 2, at);
    await assertRefusedUnchanged(dir, ["cost"], { env }, 2, at);
    await assertRefusedUnchanged(dir, ["_", "sensor", "write", "s", "echo {}"], { env }, 2, at);
    // `_ state` still answers, and says what is wrong.
    const s = await looop(["_", "state", "--json"], { env });
    assertEquals(s.code, 0, s.stderr);
    assertMatch(JSON.parse(s.stdout).config.error, at);
    assertMatch((await looop(["_", "state"], { env })).stdout, /^config\s+.*config\.json:4:3: invalid JSONC/m);
  });
});

Deno.test("a wrong type in config.json names the key path (exit 2); unknown keys only warn", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const file = `${dir}/config.json`;
    const cases: [string, RegExp][] = [
      ['{ "interval": "fast" }', /config\.json: interval: .*expected number/],
      ['{ "sandbox": { "mode": "sometimes" } }', /config\.json: sandbox\.mode: /],
      ['{ "runners": { "pi": { "tick": 7 } } }', /config\.json: runners\.pi\.tick: /],
      ['{ "max_body_bytes": -1 }', /config\.json: max_body_bytes: /],
      ['{ "session_ttl": "forever" }', /config\.json: session_ttl: .*duration/],
      ["[1, 2]", /config\.json: expected a JSON object at the top level/],
    ];
    for (const [text, what] of cases) {
      await Deno.writeTextFile(file, text);
      await assertRefusedUnchanged(dir, ["_", "goal", "write", "g", "body"], { env }, 2, what);
    }
    await Deno.writeTextFile(file, '{ "interval": 30, "colour": "blue", "sandbox": { "mode": "off", "x": 1 } }');
    const r = await looop(["_", "goal", "write", "g", "body"], { env });
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /^looop: warning: .*config\.json: unknown keys ignored: colour, sandbox\.x\n$/);
  });
});

Deno.test("an unwritable data dir (a path through a regular file) is one line and a non-zero exit", async () => {
  await withDataDir(async ({ base }) => {
    const afile = `${base}/afile`;
    await Deno.writeTextFile(afile, "not a dir\n");
    const verbs = [
      ["_", "state", "--json"],
      ["_", "state"],
      ["_", "asks"],
      ["_", "goal", "write", "g", "body"],
      ["_", "ask", "w1", "--prompt", "q", "--timeout", "0"],
      ["_", "claim", "x", "--session", "s1"],
      ["cost"],
    ];
    for (const dataDir of [`${afile}/data`, afile]) {
      const before = await treeSnapshot(base);
      for (const args of verbs) {
        const r = await looop(args, { env: { LOOOP_DATA_DIR: dataDir, NO_COLOR: "1" } });
        assert(r.code !== 0, `${args.join(" ")} with ${dataDir} exited 0`);
        assertOneLineError(r, r.code, /^looop: cannot .*(afile|data)/);
        assert(!/unexpected error/.test(r.stderr), `an expected failure reported as unexpected: ${r.stderr}`);
        assertEquals(r.stdout, "");
      }
      assertEquals(await treeSnapshot(base), before);
    }
  });
});

Deno.test("unknown verbs, unknown options and missing arguments are usage errors (exit 2, one line)", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    const cases: [string[], RegExp][] = [
      [["bogus"], /unknown command 'bogus'/],
      [["_", "bogus"], /unknown command 'bogus'/],
      [["_", "goal", "frob"], /unknown command 'frob'/],
      [["--bogus"], /unknown option '--bogus'/],
      [["cost", "--bogus"], /unknown option '--bogus'/],
      // Body-taking verbs accept a body that starts with "-" (goal frontmatter "---"), so an unknown
      // option there is an extra argument.
      [["_", "goal", "write", "g", "body", "--bogus"], /too many arguments for 'write'.*--bogus/],
      [["_", "state", "--bogus"], /unknown option '--bogus'/],
      [["_", "asks", "extra"], /too many arguments|unknown command|excess/],
      [["_", "goal", "write"], /missing required argument 'id'/],
      [["_", "answer", "w1-1"], /missing required argument 'text'/],
      [["_", "claim"], /missing required argument/],
      [["config"], /missing required argument/],
      [["config", "fish"], /no completion for 'fish'/],
      [["_", "ids", "bogus"], /unknown id kind 'bogus'/],
      [["cost", "yesterday"], /unknown range 'yesterday'/],
    ];
    for (const [args, what] of cases) await assertRefusedUnchanged(dir, args, { env }, 2, what);
  });
});
