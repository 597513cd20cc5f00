/**
 * The mock LLM's script for the real-runner test, one function for every request a runner CLI
 * makes: looop's decide gets a `start_worker` move; the worker it starts is driven through its
 * shell tool to ask a human (`_ ask`), then to report its spend (`_ cost session`) and end itself
 * (`_ kill`); anything else a CLI asks on the side (titles, summaries) gets a short text.
 */
import { INSTRUCTIONS } from "../../src/core/prompt.ts";
import {
  conversationText,
  firstUserText,
  type Reply,
  type Scenario,
  shellCall,
  shellTool,
  type Turn,
} from "../mock_llm/server.ts";

export type Plan = {
  /** the worker's session id, in the start_worker move */
  workerId: string;
  /** the runner name the worker reports its cost under */
  runner: string;
  /** the worker's brief, in the start_worker move */
  brief: string;
  /** what the worker asks the human */
  question: string;
  /** what the worker reports having spent */
  workerUsd: string;
  /** the tokens reported for the decide's turn */
  decideUsage: { input: number; output: number };
};

/** The decide's move: start the worker. */
export function decideMove(plan: Plan): Record<string, unknown> {
  return {
    action: "start_worker",
    id: plan.workerId,
    prompt: plan.brief,
    journal: `starting ${plan.workerId} to try the real runner`,
  };
}

export const WORKER_MARK = "# How to work as a looop worker";
export const DECIDE_MARK = INSTRUCTIONS.split("\n")[0];

export type Step = "decide" | "ask" | "cost" | "kill" | "done" | "side";

/** Which step of the plan a turn is (the worker's steps are counted by the tool calls it made). */
export function stepOf(turn: Turn): Step {
  if (firstUserText(turn).includes(WORKER_MARK) && shellTool(turn)) {
    const calls = turn.messages.reduce((n, m) => n + m.toolCalls.length, 0);
    return (["ask", "cost", "kill"] as const)[calls] ?? "done";
  }
  if (conversationText(turn).includes(DECIDE_MARK)) return "decide";
  return "side";
}

export function looopScenario(plan: Plan): Scenario {
  return (turn: Turn): Reply => {
    const usage = { input: 120, output: 30 };
    const step = stepOf(turn);
    switch (step) {
      case "decide":
        return { text: "```json\n" + JSON.stringify(decideMove(plan)) + "\n```", usage: plan.decideUsage };
      case "ask":
        return {
          toolCalls: [
            shellCall(turn, `"$LOOOP_BIN" _ ask ${plan.workerId} --prompt ${JSON.stringify(plan.question)}`),
          ],
          usage,
        };
      case "cost":
        return {
          toolCalls: [shellCall(turn, `"$LOOOP_BIN" _ cost session ${plan.workerId} ${plan.runner} ${plan.workerUsd}`)],
          usage,
        };
      case "kill":
        return { toolCalls: [shellCall(turn, `"$LOOOP_BIN" _ kill ${plan.workerId}`)], usage };
      case "done":
        return { text: "Done.", usage };
      case "side":
        return { text: "ok", usage: { input: 10, output: 2 } };
    }
  };
}
