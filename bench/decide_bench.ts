/**
 * What a decide costs in bytes (not a test): for each real runner CLI that is installed
 * (tools/install-runners.sh), one decide through its built-in preset against the mock LLM of
 * tests/mock_llm, and the decide request's bytes as the mock received them over the prompt's
 * bytes. Goal: at most 1.5x for every preset (a CLI's own agent prompt and tool definitions are
 * the rest).
 */
import { conversationText, MockLlm } from "../tests/mock_llm/server.ts";
import { RealLab } from "../tests/real/lab.ts";
import { claude, codex, findCli, opencode, pi } from "../tests/real/runners.ts";
import { DECIDE_MARK } from "../tests/real/scenario.ts";

export async function decideBench(): Promise<string[]> {
  const lines: string[] = [];
  for (const spec of [pi, claude, codex, opencode]) {
    if (!findCli(spec.name)) {
      lines.push(`decide bytes, ${spec.name}: not installed (sh tools/install-runners.sh)`);
      continue;
    }
    const mock = MockLlm.start(() => ({ text: '{"action":"noop","reason":"bench"}' }));
    const lab = await RealLab.create(spec, mock.url);
    try {
      await lab.beatMoved();
      const prompt = new TextEncoder().encode(await Deno.readTextFile(`${await lab.onlyRun()}/prompt.md`)).length;
      const decide = mock.turns().find((t) => conversationText(t.turn!).includes(DECIDE_MARK));
      if (!decide) throw new Error(`${spec.name}: no decide request reached the mock`);
      const sent = new TextEncoder().encode(JSON.stringify(decide.body)).length;
      lines.push(
        `decide bytes, ${spec.name}: request ${sent} B vs prompt ${prompt} B = ${(sent / prompt).toFixed(2)}x ` +
          `(goal <= 1.5x; ${decide.turn!.tools.length} tool definitions)`,
      );
    } finally {
      await lab.close();
      await mock.close();
    }
  }
  return lines;
}

if (import.meta.main) { for (const l of await decideBench()) console.log(l); }
