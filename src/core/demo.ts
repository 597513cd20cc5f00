/**
 * `looop demo`'s texts: the scripted stand-in runner (a bash script, written into the demo's
 * throwaway data dir) and the demo's config. The stand-in is not a model: it reads looop's prompt
 * and picks a move by plain pattern matching, so the tour runs offline and the same every time.
 */

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
 * The stand-in runner. `tick`: read the prompt on stdin, print pi's JSON event stream with one
 * move. `worker <brief>`: the worker session's program, which asks, greets, reports and ends.
 */
export function standInScript(): string {
  return `#!/usr/bin/env bash
# looop demo: a SCRIPTED STAND-IN for an LLM runner. No model is called; it matches text in the
# prompt and replies with a fixed move, printed in pi's JSON event format (\`pi -p --mode json\`).
set -u
if [ "\${1:-}" = tick ]; then
  prompt=$(cat)
  if ! printf '%s' "$prompt" | grep -q -- '----- goals/${DEMO_GOAL}.md -----'; then
    reply=${replyLiteral(MOVES.idle)}
  elif ! printf '%s' "$prompt" | grep -q '"${DEMO_WORKER}":{"state"'; then
    reply=${replyLiteral(MOVES.startWorker)}
  elif printf '%s' "$prompt" | grep -q '"${DEMO_WORKER}":{"state":"running"'; then
    reply=${replyLiteral(MOVES.wait)}
  else
    reply=${replyLiteral(MOVES.archiveGoal)}
  fi
  echo '{"type":"agent_start"}'
  echo '{"type":"message_end","message":{"role":"assistant","content":[{"type":"text","text":'"$reply"'}],"usage":{"input":1000,"output":200,"cost":{"total":${DEMO_DECIDE_USD}}},"stopReason":"stop"}}'
  echo '{"type":"agent_end","messages":[]}'
  exit 0
fi
if [ "\${1:-}" = worker ]; then
  echo "[stand-in worker ${DEMO_WORKER}] a script, not an agent. My brief begins:"
  head -n 3 "$2" | sed 's/^/  > /'
  echo "[stand-in worker] asking the human: ${DEMO_QUESTION}"
  name=$("$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "${DEMO_QUESTION}") || exit 1
  echo "[stand-in worker] Hello, $name!"
  "$LOOOP_BIN" _ cost session "$LOOOP_SESSION_ID" ${DEMO_RUNNER} ${DEMO_WORKER_USD}
  echo "[stand-in worker] done: ending my session"
  exec "$LOOOP_BIN" _ kill "$LOOOP_SESSION_ID"
fi
echo "usage: stand-in-runner tick|worker <brief-file>" >&2
exit 2
`;
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
