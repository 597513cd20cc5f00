/**
 * `looop demo`'s texts: the scripted stand-in runner (a bash script, written into the demo's
 * throwaway data dir) and the demo's config. The stand-in is not a model: it reads looop's prompt
 * and picks a move by plain pattern matching, so the tour runs offline and the same every time.
 */
import DEMO_RUNNER_SCRIPT from "../texts/demo-runner.sh" with { type: "text" };
import { fillTemplate } from "../core/template.ts";

export const DEMO_RUNNER = "stand-in";
export const DEMO_GOAL = "hello";
export const DEMO_WORKER = "greeter";
export const DEMO_QUESTION = "What name should I greet?";
export const DEMO_DEFAULT_ANSWER = "friend";
/** What the stand-in "spends" per decide and for its worker: fake numbers, to fill the ledger. */
export const DEMO_DECIDE_USD = 0.003;
export const DEMO_WORKER_USD = 0.0042;

/** The goal the tour writes as the human, through the same gated executor as `looop _ goal write`. */
export const DEMO_GOAL_BODY = `# Greet the human\n\nStart a worker that asks the human for a name and greets them. ` +
  `Archive this goal once the worker has finished.\n`;

const MOVES = {
  idle: { action: "noop", reason: "the seeded goals wait on a human; nothing for me to do" },
  startWorker: {
    action: "start_worker",
    id: DEMO_WORKER,
    prompt: `Ask the human which name to greet, greet them, report your cost and end your session.`,
    journal: `goal ${DEMO_GOAL} needs a worker and none runs`,
  },
  wait: { action: "noop", reason: `worker ${DEMO_WORKER} is still at it` },
  archiveGoal: { action: "archive_goal", id: DEMO_GOAL, journal: `worker ${DEMO_WORKER} has finished: goal done` },
};

/** A JSON string literal holding the move as text, safe inside single quotes in bash. */
function replyLiteral(move: Record<string, unknown>): string {
  const literal = JSON.stringify(JSON.stringify(move));
  if (literal.includes("'")) throw new Error("a demo move must not contain a single quote");
  return `'${literal}'`;
}

/**
 * The stand-in runner (texts/demo-runner.sh). `tick`: read the prompt on stdin, print pi's JSON
 * event stream with one move. `worker <brief>`: the worker session's program, which asks, greets,
 * reports and ends.
 */
export function standInScript(): string {
  return fillTemplate(DEMO_RUNNER_SCRIPT, {
    goal: DEMO_GOAL,
    worker: DEMO_WORKER,
    question: DEMO_QUESTION,
    runner: DEMO_RUNNER,
    decide_usd: DEMO_DECIDE_USD,
    worker_usd: DEMO_WORKER_USD,
    reply_idle: replyLiteral(MOVES.idle),
    reply_start_worker: replyLiteral(MOVES.startWorker),
    reply_wait: replyLiteral(MOVES.wait),
    reply_archive_goal: replyLiteral(MOVES.archiveGoal),
  });
}

/** The demo's config: the stand-in as the default runner, a quick interval, the sandbox off. */
export function demoConfigText(script: string): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const config = {
    default: DEMO_RUNNER,
    interval: 5,
    // The tour shows the loop; `looop help` explains the sandbox that guards sensors and run_shell.
    sandbox: { mode: "off" },
    runners: {
      [DEMO_RUNNER]: {
        tick: `bash ${q(script)} tick`,
        interactive: `bash ${q(script)} worker {{prompt_file}}`,
        cost: { type: "message_end", pointer: "/message/usage/cost/total", mode: "sum" },
      },
    },
  };
  return `// looop demo: a throwaway data dir whose runner is a scripted stand-in, not a model.\n${
    JSON.stringify(config, null, 2)
  }\n`;
}
