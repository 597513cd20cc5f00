/**
 * looop with the real runner CLIs, as a user runs it, everything real but the LLM (the mock
 * server of tests/mock_llm): a fresh data dir and HOME, the built-in preset of pi, claude,
 * codex or opencode; one `_ beat` whose decide is the real CLI, which answers with a start_worker move; the
 * worker is that CLI's interactive TUI in looop's terminal, driven through its shell tool to
 * `_ ask` a human (answered here), report its spend with `_ cost session` and end with `_ kill`.
 * The ledger must hold the decide's cost exactly as the CLI reported it, and the worker's.
 *
 * The CLIs come from tools/install-runners.sh (.tools/runners) or PATH. Without them these tests
 * are skipped, unless LOOOP_REQUIRE_REAL_RUNNERS=1 (CI), where a missing CLI fails.
 */
import { assert, assertEquals } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { firstUserText, MockLlm, type Recorded, shellTool } from "../mock_llm/server.ts";
import { type Ask, RealLab } from "./lab.ts";
import { claude, codex, findCli, INSTALL_HINT, opencode, pi, type RunnerSpec } from "./runners.ts";
import { decideMove, looopScenario, type Plan, stepOf, WORKER_MARK } from "./scenario.ts";

/** The worker's steps can take a few CLI round trips each; still bounded. */
const STEP_TIMEOUT_MS = 60_000;

/** Dollar amounts compared to the nano-dollar (sums of float products differ in the last bits). */
const nano = (usd: number) => Math.round(usd * 1e9);

/** A test of the real `spec.name` CLI: skipped (saying how to install it) when absent, failed when required. */
function realRunnerTest(spec: RunnerSpec, title: string, fn: (spec: RunnerSpec) => Promise<void>): void {
  const found = findCli(spec.name);
  const required = Deno.env.get("LOOOP_REQUIRE_REAL_RUNNERS") === "1";
  const missing = `\`${spec.name}\` is not in .tools/runners/node_modules/.bin nor on PATH`;
  if (!found && !required) {
    console.log(`tests/real: skipping "real ${spec.name}: ${title}": ${missing} — ${INSTALL_HINT}`);
  }
  Deno.test({
    name: `real ${spec.name}: ${title}`,
    ignore: !found && !required,
    fn: async () => {
      if (!found) throw new Error(`${missing}, and LOOOP_REQUIRE_REAL_RUNNERS=1 — ${INSTALL_HINT}`);
      await fn(spec);
    },
  });
}

async function proveRunner(spec: RunnerSpec): Promise<void> {
  const plan: Plan = {
    workerId: `w-${spec.name}`,
    runner: spec.name,
    brief: `Prove that ${spec.name} works as a looop worker.`,
    question: `Which colour should the ${spec.name} report use?`,
    workerUsd: "0.0123",
    decideUsage: { input: 1000, output: 200 },
  };
  const answer = `teal, says the human to ${spec.name}`;
  const mock = MockLlm.start(looopScenario(plan));
  let lab: RealLab | undefined;
  try {
    lab = await RealLab.create(spec, mock.url);

    // The decide: the real CLI, prompted by looop, answers with the start_worker move.
    const beat = await lab.beatMoved();
    assertEquals(beat.move, decideMove(plan));
    // The decide's requests: those before the worker started (its CLI talks to the same mock).
    const started = Date.parse(
      JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/${plan.workerId}/meta.json`)).started,
    );
    const decideTurns = mock.turns().filter((r) => r.at < started);
    assert(decideTurns.length > 0, "the decide reached the mock");
    assertEquals(decideTurns.map((r) => r.api), decideTurns.map(() => spec.api));
    const run = await lab.onlyRun();
    const prompt = (await Deno.readTextFile(`${run}/prompt.md`)).trim();
    const decideTurn = decideTurns.find((r) => stepOf(r.turn!) === "decide");
    assert(decideTurn, `a decide turn among ${decideTurns.map((r) => stepOf(r.turn!)).join(", ")}`);
    assert(
      [decideTurn.turn!.system, ...decideTurn.turn!.messages.map((m) => m.text)].some((t) => t.includes(prompt)),
      "the decide request carried looop's whole prompt",
    );

    // Its cost: what the CLI's stream reported, which is also the mock's tokens at the runner's prices.
    const reported = spec.streamCost(await Deno.readTextFile(`${run}/stream.jsonl`));
    assert(reported > 0, `the ${spec.name} stream reported a cost: ${reported}`);
    assertEquals(nano(spec.tokenCost(decideTurns)), nano(reported), "the reported cost is the mock's tokens × prices");
    const tick = (await lab.ledger()).map((l) => [l.kind, l.id, l.runner, l.cost_usd]);
    assertEquals(tick, [["tick", "pulse", spec.name, reported]]);

    // A worker step that does not come says where the worker stood: its screen and its turns.
    const step = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
      try {
        return await eventually(check, what, STEP_TIMEOUT_MS);
      } catch (e) {
        const turns = mock.turns().map((r) => stepOf(r.turn!)).join(", ");
        const screen = await lab!.screen(plan.workerId).catch((s) => `(no screen: ${s})`);
        throw new Error(`${(e as Error).message}\nthe mock's turns: ${turns}\n${plan.workerId}'s screen:\n${screen}`);
      }
    };

    // The worker: the CLI's TUI under looop's terminal, blocked on its ask until a human answers.
    const ask: Ask = await step(
      `${plan.workerId}'s ask`,
      async () => (await lab!.asks()).find((a) => a.worker === plan.workerId),
    );
    assertEquals(ask.prompt, plan.question);
    assertEquals((await lab.session(plan.workerId))?.state, "running");
    assertEquals((await lab.ok(["_", "answer", ask.id, answer])).stdout, `answered ${ask.id}\n`);

    // It reports its spend and kills itself.
    const row = await step(`${plan.workerId} to end`, async () => {
      const s = await lab!.session(plan.workerId);
      return s && s.state !== "running" ? s : undefined;
    });
    assertEquals([row.state, row.runner], ["done", spec.name], "it ended itself: done, not killed by a human");
    const ledger = (await lab.ledger()).map((l) => [l.kind, l.id, l.runner, l.cost_usd]);
    assertEquals(ledger, [["tick", "pulse", spec.name, reported], [
      "session",
      plan.workerId,
      spec.name,
      Number(plan.workerUsd),
    ]]);

    // What the worker sent the model: its brief, then each command's output, the answer first.
    const worker = mock.turns().filter((r) => firstUserText(r.turn!).includes(WORKER_MARK) && shellTool(r.turn!));
    const steps = worker.map((r) => stepOf(r.turn!));
    assertEquals(steps.slice(0, 3), ["ask", "cost", "kill"], `the worker's turns: ${steps.join(", ")}`);
    assert(firstUserText(worker[0].turn!).includes(plan.brief), "the worker's prompt holds its brief");
    const resultOf = (r: Recorded) => r.turn!.toolResults.map((t) => t.text).join("\n");
    assert(resultOf(worker[1]).includes(answer), `the ask's result carries the answer: ${resultOf(worker[1])}`);
    assert(
      resultOf(worker[2]).includes(`recorded $${plan.workerUsd} for ${plan.workerId} (${spec.name})`),
      `the cost's result: ${resultOf(worker[2])}`,
    );

    // `looop cost` shows both (`all`: a run across midnight splits them over two days).
    type Day = { by_kind: Record<string, number>; by_id: Record<string, number> };
    const days: Day[] = JSON.parse((await lab.ok(["cost", "all", "--json"])).stdout).days;
    const merged = (key: keyof Day) =>
      days.flatMap((d) => Object.entries(d[key])).filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b));
    assertEquals(merged("by_kind"), [["session", Number(plan.workerUsd)], ["tick", reported]]);
    assertEquals(merged("by_id"), [["pulse", reported], [plan.workerId, Number(plan.workerUsd)]]);
    const plain = (await lab.ok(["cost", "all"])).stdout.split("\n");
    const usd = (n: number) => `$${n.toFixed(4)}`;
    assert(plain.includes(`  ${"pulse".padEnd(24)} ${usd(reported)}`), `pulse in looop cost:\n${plain.join("\n")}`);
    assert(
      plain.includes(`  ${plan.workerId.padEnd(24)} ${usd(Number(plan.workerUsd))}`),
      `${plan.workerId} in looop cost:\n${plain.join("\n")}`,
    );

    // Nothing of it is left running, and the mock answered everything it was asked.
    await lab.ok(["down"]);
    assertEquals(await lab.leftovers(), []);
    assertEquals(mock.failures().map((r) => `${r.method} ${r.path}: ${r.error}`), []);
  } finally {
    await lab?.close();
    await mock.close();
  }
}

/** A model call that fails: the decide fails with the runner's own reason, and nothing else happens. */
async function failedDecide(spec: RunnerSpec): Promise<void> {
  const refusal = "mock: this model refuses to decide";
  const mock = MockLlm.start(() => ({ error: { status: 400, message: refusal } }));
  let lab: RealLab | undefined;
  try {
    lab = await RealLab.create(spec, mock.url);
    const r = await lab.run(["_", "beat", "--json"]);
    const result = JSON.parse(r.stdout);
    assertEquals([r.code, result.kind], [1, "no-move"], r.stderr);
    assert(result.reason.includes(refusal), `the reason names the model's error: ${result.reason}`);
    const journal = (await Deno.readTextFile(`${lab.dir}/journal.md`)).trimEnd().split("\n");
    assertEquals(journal.length, 1);
    assert(journal[0].endsWith(` decide failed: ${result.reason}`), journal[0]);
    assertEquals(await lab.ledger(), [], "a failed call that cost nothing records nothing");
    assertEquals(mock.turns().map((t) => t.status), mock.turns().map(() => 400));
    assertEquals(await lab.leftovers(), []);
  } finally {
    await lab?.close();
    await mock.close();
  }
}

for (const spec of [pi, claude, codex, opencode]) {
  realRunnerTest(spec, "decide → start_worker → the worker asks, is answered, reports its cost and ends", proveRunner);
  realRunnerTest(spec, "a model error fails the decide with the runner's reason; nothing starts", failedDecide);
}
