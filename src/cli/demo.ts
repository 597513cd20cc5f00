/**
 * `looop demo`: a guided tour on a throwaway data dir, offline, with a scripted stand-in runner
 * (demo_stand_in.ts, its script texts/demo-runner.sh). Real looop code runs every step: seeding, beats, the decide, the worker session
 * under a terminal, the mailbox and the ledger. Only the model is replaced. It cleans up after itself.
 */
import type { Command } from "@commander-js/extra-typings";
import {
  DEMO_DEFAULT_ANSWER,
  DEMO_GOAL,
  DEMO_GOAL_BODY,
  DEMO_QUESTION,
  DEMO_RUNNER,
  DEMO_WORKER,
  demoConfigText,
  standInScript,
} from "./demo_stand_in.ts";
import { LooopError } from "../core/errors.ts";
import type { Ask } from "../core/schemas.ts";
import { answerAsk } from "../mailbox/answer.ts";
import { executeFileMove, NO_CODE_SCREEN } from "../executor/files.ts";
import type { Log } from "../core/log.ts";
import { beatContext, type BeatResult, runBeat } from "../pulse/beat.ts";
import { sensorLimits, takePulseLock } from "../pulse/loop.ts";
import { pendingAsks } from "../store/asks.ts";
import { type DataDir, layout } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";
import { isSessionAlive, sessionFiles } from "../store/sessions.ts";
import { localWorkers } from "../supervisor/backend.ts";
import { writeFileAtomic } from "../sys/fs.ts";
import type { Held } from "../sys/lock.ts";
import { waitFor } from "../sys/watch.ts";
import stripAnsi from "strip-ansi";
import { config } from "./context.ts";
import { print, styles } from "./io.ts";
import { printCost } from "./report.ts";

type DemoOptions = { answer?: string; fast?: boolean; keep?: boolean };

export function registerDemo(program: Command) {
  program.command("demo")
    .description("a one-minute offline tour on a throwaway data dir, with a scripted stand-in runner (no model)")
    .option("--answer <name>", "answer the worker's question with this instead of asking you")
    .option("--fast", "no pauses between the steps")
    .option("--keep", "keep the throwaway data dir and print where it is")
    .action((o) => runDemo(o));
}

const WAIT_MS = 30_000;

async function runDemo(o: DemoOptions): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "looop-demo-" });
  const dd = layout(`${root}/data`);
  let lock: Held | undefined;
  // Ctrl-C ends the tour and still cleans up: the waits below race against it.
  let interrupt: (e: LooopError) => void = () => {};
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  const onSignal = () => interrupt(new LooopError("demo interrupted", "", 130));
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    await Promise.race([
      (async () => {
        lock = await tour(dd, root, o);
      })(),
      interrupted,
    ]);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    const ws = localWorkers(dd);
    await Promise.all((await ws.live().catch(() => [])).map((id) => ws.kill(id).catch(() => undefined)));
    lock?.release();
    if (o.keep) print(`\nkept the demo's data dir: ${dd.root}`);
    else await Deno.remove(root, { recursive: true }).catch(() => undefined);
  }
}

async function tour(dd: DataDir, root: string, o: DemoOptions): Promise<Held> {
  const { bold, dim, green, yellow } = styles();
  const pause = (ms: number) => o.fast ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
  const step = async (title: string, text = "") => {
    await pause(2500);
    print(`\n${bold(title)}${text ? `\n${text}` : ""}`);
  };

  print(bold("looop demo: a tour of one control loop, about a minute, offline"));
  print(
    `The runner in this tour is a ${
      yellow("SCRIPTED STAND-IN")
    }, not a model: a bash script that matches the prompt and replies with a fixed move.\n` +
      dim(`Its costs are made up. Everything else is real looop: files, beats, a worker in a terminal, the mailbox.`),
  );

  // 1. Seeding.
  await ensureDataDir(dd);
  const script = `${root}/stand-in-runner`;
  await writeFileAtomic(script, standInScript(), 0o755);
  await writeFileAtomic(dd.configPath, demoConfigText(script));
  const cfg = await config(dd);
  const lock = await takePulseLock(dd);
  const seeded = await Promise.all([dd.goalsDir, dd.sensorsDir].map(names));
  await step(
    "1. A fresh data dir",
    `${dd.root}\nseeded with a PLAYBOOK, goals ${seeded[0].join(", ")} and sensor ${seeded[1].join(", ")}; ` +
      `config.json names runner '${DEMO_RUNNER}' (${script}).`,
  );

  const beat = async (stepNo: number, n: number, title: string, expect: string): Promise<BeatResult> => {
    await step(`${stepNo}. Beat ${n}: ${title}`);
    const log: Log = (_level, event, msg) => {
      if (["sense.done", "beat.skip", "decide.start", "decide.done"].includes(event)) print(dim(`   · ${msg}`));
    };
    const r = await runBeat(beatContext(dd, cfg, { log, sensors: sensorLimits(), decideTimeoutS: 30 }));
    const got = r.kind === "moved" ? r.move.action : r.kind;
    print(`   ${r.kind === "moved" ? green("→ " + r.journal) : r.kind === "skipped" ? green("→ skipped") : r.kind}`);
    if (got !== expect) {
      throw new LooopError(
        `the demo went off script at beat ${n}: expected ${expect}, got ${got}${"reason" in r ? ` (${r.reason})` : ""}`,
        `rerun with --keep and look at ${dd.root}/runs/`,
      );
    }
    return r;
  };

  // 2. A decide, then a skip.
  await beat(2, 1, "the world is new, so the pulse asks the runner for one move", "noop");
  await beat(3, 2, "nothing changed since", "skipped");
  print(dim("   no runner call, no cost: an unchanged world is free"));

  // 3. The human steers; the change wakes a decide.
  await step("4. You steer: write a goal (what `looop _ goal write hello` does)");
  const wrote = await executeFileMove({ action: "write_goal", id: DEMO_GOAL, body: DEMO_GOAL_BODY }, {
    dd,
    now: new Date(),
    limits: { maxBodyBytes: cfg.max_body_bytes },
    via: "(by hand)",
    screen: NO_CODE_SCREEN,
  });
  if (wrote.kind !== "done") throw new LooopError(`the demo could not write its goal: ${wrote.refusal.reason}`, "");
  print(green(`   → ${wrote.journal}`));
  await beat(5, 3, `goal ${DEMO_GOAL} changed the world: a decide`, "start_worker");
  print(
    dim(`   the worker runs detached under a terminal; its output goes to ${sessionFiles(dd, DEMO_WORKER).output}`),
  );

  // 3. The worker asks; the human answers.
  const ask = await within(
    waitFor([dd.asksDir], async () => (await pendingAsks(dd))[0], { timeoutMs: WAIT_MS, pollMs: 100 }),
    "the worker's question",
  );
  await showWorker(dd, 0);
  await step(`6. The worker asks you (it ran \`looop _ ask\`, which blocks until a human answers)`);
  const answer = await answerFor(ask, o);
  await answerAsk(dd, ask.id, answer, { now: new Date() });
  print(dim(`   looop _ answer ${ask.id} ${JSON.stringify(answer)}`));
  await within(
    waitFor(
      [sessionFiles(dd, DEMO_WORKER).dir],
      async () => (await isSessionAlive(dd, DEMO_WORKER)) ? undefined : true,
      {
        timeoutMs: WAIT_MS,
        pollMs: 100,
      },
    ),
    "the worker's end",
  );
  await step("7. The worker gets the answer, reports its cost and ends its own session");
  await showWorker(dd, 1);

  // 4. Level-triggered: the worker's exit is a change of its own.
  await beat(8, 4, "the worker's exit changed the sys-sessions reading", "archive_goal");

  await step("9. The ledger (`looop cost`): each decide's cost as the runner reported it, and the worker's");
  await printCost(dd, "today", false);

  await step(
    "Done.",
    `A real setup: install a runner CLI (pi: npm install -g @mariozechner/pi-coding-agent, or claude: ` +
      `npm install -g @anthropic-ai/claude-code) with its API key, then \`looop up\` and \`looop watch\`. ` +
      `Edit goals and the PLAYBOOK to steer; \`looop help\` is the manual.` +
      (o.keep ? "" : dim(`\nRemoving the demo's data dir; nothing is left running.`)),
  );
  return lock;
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile) out.push(e.name);
  return out.sort();
}

async function within<T>(p: Promise<{ kind: "ready"; value: T } | { kind: "timeout" }>, what: string): Promise<T> {
  const r = await p;
  if (r.kind === "timeout") {
    throw new LooopError(`the demo waited ${WAIT_MS / 1000}s for ${what}`, "rerun with --keep and look at sessions/");
  }
  return r.value;
}

/** The worker's terminal output (ANSI stripped): the part before the question (0) or after it (1). */
async function showWorker(dd: DataDir, part: 0 | 1): Promise<void> {
  const text = stripAnsi(await Deno.readTextFile(sessionFiles(dd, DEMO_WORKER).output).catch(() => ""));
  const lines = text.replaceAll("\r", "").split("\n").filter((l) => l.trim());
  const cut = lines.findIndex((l) => l.includes(DEMO_QUESTION)) + 1;
  const shown = part === 0 ? lines.slice(0, cut) : lines.slice(cut);
  for (const l of shown) print(`   ${styles().dim("│")} ${l}`);
}

/** The answer: --answer, else typed at the terminal, else the default (said so). */
async function answerFor(ask: Ask, o: DemoOptions): Promise<string> {
  const { bold, dim } = styles();
  print(`   ${bold(ask.prompt)}`);
  if (o.answer !== undefined && o.answer.trim()) return o.answer.trim();
  if (!Deno.stdin.isTerminal()) {
    print(dim(`   (no terminal to ask you: answering '${DEMO_DEFAULT_ANSWER}')`));
    return DEMO_DEFAULT_ANSWER;
  }
  await Deno.stdout.write(new TextEncoder().encode(`   your answer [${DEMO_DEFAULT_ANSWER}]: `));
  return (await readLine()).trim() || DEMO_DEFAULT_ANSWER;
}

async function readLine(): Promise<string> {
  const buf = new Uint8Array(1024);
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n), { stream: true });
  }
  return text.split("\n")[0];
}
