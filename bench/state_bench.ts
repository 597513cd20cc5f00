/**
 * `_ state --json` on a big data dir (200 goals, 10,000 journal lines, 1,000 answered asks),
 * as a ratio to an empty script under the same permission set. Goal: at most 2x.
 */
import { answerAsk } from "../src/mailbox/answer.ts";
import { deliver, openAsk } from "../src/mailbox/ask.ts";
import { layout } from "../src/store/layout.ts";
import { EMPTY, fmt, interleaved, LOOOP, timeRun } from "./measure.ts";

export async function stateBench(rounds = 15): Promise<{ ratio: number; state: number; empty: number }> {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  const dir = `${base}/data`;
  const env = { LOOOP_DATA_DIR: dir, NO_COLOR: "1" };
  try {
    await timeRun([...LOOOP, "_", "state", "--json"], env); // seed
    for (let i = 0; i < 200; i++) {
      await Deno.writeTextFile(
        `${dir}/goals/goal-${i}.md`,
        `---\ngoal: goal number ${i}\n---\n\n${"Body text. ".repeat(40)}\n`,
      );
    }
    const lines = Array.from({ length: 10_000 }, (_, i) => `- 2026-11-25 10:00 move number ${i} with some words\n`);
    await Deno.writeTextFile(`${dir}/journal.md`, lines.join(""));
    // 1,000 asks through the real mailbox code: asked, answered, delivered to their workers.
    const dd = layout(dir);
    for (let i = 1; i <= 1000; i++) {
      const { ask } = await openAsk(dd, { worker: `w${i % 10}`, prompt: `question ${i}` }, new Date());
      await answerAsk(dd, ask.id, "yes", { now: new Date() });
      await deliver(dd, ask.id);
    }
    const r = await interleaved({
      empty: () => timeRun(EMPTY),
      state: () => timeRun([...LOOOP, "_", "state", "--json"], env),
    }, rounds);
    return { ratio: r.state / r.empty, state: r.state, empty: r.empty };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) {
  const r = await stateBench();
  console.log(
    `_ state --json (200 goals, 10k journal lines, 1k answered asks): ${fmt(r.state)} vs empty script ${
      fmt(r.empty)
    } = ${r.ratio.toFixed(2)}x (goal <= 2x)`,
  );
}
