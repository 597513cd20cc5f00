/**
 * `looop demo`: the offline tour runs every step with real looop code and a scripted stand-in
 * runner, answers from the terminal (or says it could not ask), and leaves nothing behind: no
 * temp dir, no process. Runs with --fast (no pauses); the pacing is the only difference.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually, looop, withTempDir } from "../helpers.ts";
import { looopCommandLine, quote, Tmux } from "../supervisor/helpers.ts";

/** A private TMPDIR, so the demo's throwaway dir (and whether it is gone) can be checked. */
const withTmp = (fn: (dir: string) => Promise<void>) => withTempDir("looop-demo-test-", fn);

async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** Live processes whose command line or environment mention `dir` (the test's own shell and sleep aside). */
async function processesUnder(dir: string): Promise<string[]> {
  const out = await new Deno.Command("ps", { args: ["axeww", "-o", "pid=,stat=,args="], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => l.includes(dir) && !/^\s*\d+\s+Z/.test(l) && !/^\s*\d+\s+\S+\s+(ps|\S*tmux|sh -c|sleep)\b/.test(l));
}

Deno.test("demo: the whole tour without a terminal, then nothing is left", async () => {
  await withTmp(async (tmp) => {
    const r = await looop(["demo", "--fast"], { env: { TMPDIR: tmp, NO_COLOR: "1" } });
    assertEquals(r.code, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
    assertEquals(r.stderr, "");
    const out = r.stdout;
    assertMatch(out, /SCRIPTED STAND-IN, not a model/);
    // The steps, in order.
    const marks = [
      "1. A fresh data dir",
      "2. Beat 1:",
      "noop: the seeded goals wait on a human",
      "3. Beat 2: nothing changed since",
      "→ skipped",
      "4. You steer: write a goal",
      "write_goal hello (by hand)",
      "5. Beat 3:",
      "goal hello needs a worker and none runs",
      "[stand-in worker] asking the human: What name should I greet?",
      "(no terminal to ask you: answering 'friend')",
      "[stand-in worker] Hello, friend!",
      "recorded $0.0042 for greeter (stand-in)",
      "8. Beat 4:",
      "worker greeter has finished: goal done",
      "9. The ledger",
      "$0.0132  tick $0.0090, session $0.0042",
      "Done.",
    ];
    let at = 0;
    for (const m of marks) {
      const i = out.indexOf(m, at);
      assert(i >= 0, `'${m}' missing (or out of order) after offset ${at}:\n${out}`);
      at = i + m.length;
    }
    assertEquals(await entries(tmp), [], "the throwaway data dir is removed");
    assertEquals(await processesUnder(tmp), [], "nothing is left running");
  });
});

Deno.test("demo --answer --keep: the kept data dir holds the tour's journal, ledger and archived goal", async () => {
  await withTmp(async (tmp) => {
    const r = await looop(["demo", "--fast", "--keep", "--answer", "Ada"], { env: { TMPDIR: tmp, NO_COLOR: "1" } });
    assertEquals(r.code, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
    assertMatch(r.stdout, /\[stand-in worker\] Hello, Ada!/);
    const kept = /kept the demo's data dir: (\S+)/.exec(r.stdout)?.[1];
    assert(kept && kept.startsWith(tmp + "/"), `the kept dir is named: ${r.stdout}`);
    const ledger = (await Deno.readTextFile(`${kept}/cost.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(
      ledger.map((l) => [l.kind, l.id, l.runner, l.cost_usd]),
      [
        ["tick", "pulse", "stand-in", 0.003],
        ["tick", "pulse", "stand-in", 0.003],
        ["session", "greeter", "stand-in", 0.0042],
        ["tick", "pulse", "stand-in", 0.003],
      ],
    );
    const journal = (await Deno.readTextFile(`${kept}/journal.md`)).trim().split("\n");
    assertEquals(journal.length, 5, journal.join("\n"));
    assertMatch(journal[3], /worker greeter done$/); // it ended itself, as the worker contract asks
    assertEquals((await entries(`${kept}/goals`)).includes("hello.md"), false, "goal hello is archived");
    const answer = JSON.parse(await Deno.readTextFile(`${kept}/answers/greeter-1.json`));
    assertEquals(answer.answer, "Ada");
    assertEquals(await processesUnder(tmp), [], "nothing is left running");
  });
});

Deno.test("demo on a terminal: asks you, takes your answer; Ctrl-C mid-tour still cleans up", async () => {
  await withTmp(async (tmp) => {
    const env = `env TMPDIR=${quote(tmp)} NO_COLOR=1`;
    const rc = `${tmp}/../${tmp.split("/").pop()}.rc`;
    const tmux = await Tmux.start(
      `${tmp}.sock`,
      "demo",
      `${env} ${looopCommandLine} demo --fast; echo $? > ${quote(rc)}; sleep 30`,
      100,
      50,
    );
    try {
      await tmux.waitFor((row) => row.includes("your answer [friend]:"), "the question");
      await tmux.type("Grace");
      await tmux.keys("Enter");
      await tmux.waitFor((row) => row.includes("[stand-in worker] Hello, Grace!"), "the greeting");
      await eventually(async () => (await Deno.readTextFile(rc).catch(() => "")).trim() === "0", "exit 0");
      assertEquals(await entries(tmp), [], "the throwaway data dir is removed");

      // Again, and interrupt it while the worker waits on the question.
      await tmux.tmux("kill-server");
      // A socket of its own: a new-session on the old one can reach the server while it exits.
      const t2 = await Tmux.start(
        `${tmp}-2.sock`,
        "demo2",
        `${env} ${looopCommandLine} demo --fast; echo $? > ${quote(rc)}; sleep 30`,
        100,
        50,
      );
      try {
        await t2.waitFor((row) => row.includes("your answer [friend]:"), "the question");
        await t2.keys("C-c");
        await eventually(async () => (await Deno.readTextFile(rc).catch(() => "")).trim() === "130", "exit 130");
        assertEquals(await entries(tmp), [], "the throwaway data dir is removed");
        let left: string[] = [];
        await eventually(async () => (left = await processesUnder(tmp)).length === 0 || undefined, "no process left")
          .catch((e) => {
            throw new Error(`${e.message}: ${left.join("\n")}`);
          });
      } finally {
        await t2.killServer();
      }
    } finally {
      await tmux.killServer();
      await Deno.remove(rc).catch(() => undefined);
      await Deno.remove(`${tmp}.sock`).catch(() => undefined);
      await Deno.remove(`${tmp}-2.sock`).catch(() => undefined);
    }
  });
});
