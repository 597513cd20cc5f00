/**
 * Every file format is one zod schema in core/schemas.ts. The paths that must not load zod
 * (`_ state`, the session host) read with hand checks; this test holds the files looop really
 * writes (a worker's session, an ask and its answer, a tell, a claim, goal activity, the pulse's
 * bookkeeping) to the schemas, so the two cannot drift apart.
 */
import { assert, assertEquals } from "../assert.ts";
import { eventually } from "../helpers.ts";
import {
  AnswerSchema,
  AskSchema,
  BackoffSchema,
  ClaimSchema,
  GoalActivitySchema,
  PulseNotesSchema,
  SessionExitSchema,
  SessionMetaSchema,
  TellSchema,
  WorldViewSchema,
} from "../../src/core/schemas.ts";
import { withLab } from "../supervisor/helpers.ts";

type Parser = { safeParse(v: unknown): { success: boolean; error?: unknown } };

async function parses(path: string, schema: Parser): Promise<void> {
  const r = schema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  assert(r.success, `${path} does not parse against its schema: ${JSON.stringify(r.error)}`);
}

Deno.test("the files looop writes parse against their schemas in core/schemas.ts", async () => {
  await withLab(async (lab) => {
    const d = lab.dir;
    // A goal, and a worker serving it (its activity is stamped), that asks, is answered and ends itself.
    assertEquals((await lab.run(["_", "goal", "write", "w1", "work on w1"])).code, 0);
    await lab.start(
      "w1",
      [
        `a=$("$LOOOP_BIN" _ ask w1 --prompt 'go on?' --options yes,no)`,
        `echo "$a" > ${lab.out("answer")}`,
        `sleep 30`,
      ].join("\n"),
    );
    await parses(`${d}/sessions/w1/meta.json`, SessionMetaSchema);
    await parses(`${d}/.goal-activity.json`, GoalActivitySchema);
    const askId = await eventually(async () => {
      const names = (await Array.fromAsync(Deno.readDir(`${d}/asks`))).map((e) => e.name).filter((n) =>
        n.endsWith(".json")
      );
      return names[0]?.slice(0, -5);
    }, "the ask");
    await parses(`${d}/asks/${askId}.json`, AskSchema);
    assertEquals((await lab.run(["_", "answer", askId, "yes"])).code, 0);
    await parses(`${d}/answers/${askId}.json`, AnswerSchema);
    assertEquals(await lab.marker("answer"), "yes");
    await eventually(() => Deno.stat(`${d}/asks/done/${askId}.json`).then(() => true, () => undefined), "done");
    await parses(`${d}/asks/done/${askId}.json`, AskSchema);

    // A claim by the live worker.
    assertEquals((await lab.run(["_", "claim", "branch", "--session", "w1"])).code, 0);
    await parses(`${d}/claims/branch.json`, ClaimSchema);

    // A tell, pending, then delivered by `_ told` (the host's grace is a minute: it types nothing yet).
    assertEquals((await lab.run(["_", "tell", "w1", "hi"])).code, 0);
    const tell = (await Array.fromAsync(Deno.readDir(`${d}/sessions/w1/tells`))).find((e) => e.isFile)?.name;
    await parses(`${d}/sessions/w1/tells/${tell}`, TellSchema);
    assertEquals((await lab.run(["_", "told", "w1"])).code, 0);
    await parses(`${d}/sessions/w1/tells/delivered/${tell}`, TellSchema);

    // Ended: its exit record and its meta's final state.
    assertEquals((await lab.run(["_", "kill", "w1"])).code, 0);
    await parses(`${d}/sessions/w1/exit.json`, SessionExitSchema);
    await parses(`${d}/sessions/w1/meta.json`, SessionMetaSchema);

    // The pulse's bookkeeping after a failed decide (backoff, notes) and a moved one (last decide).
    await lab.configure({}, "true");
    const tick = `${lab.base}/tick.sh`;
    await Deno.writeTextFile(tick, `#!/bin/sh\ncat >/dev/null\necho "not a move"\n`, { mode: 0o755 });
    const cfg = JSON.parse(await Deno.readTextFile(`${d}/config.json`));
    cfg.runners.fake.tick = `sh ${tick}`;
    await Deno.writeTextFile(`${d}/config.json`, JSON.stringify(cfg));
    assertEquals((await lab.run(["_", "beat"])).code, 1);
    await parses(`${d}/.tick-backoff`, BackoffSchema);
    await parses(`${d}/.pulse.json`, PulseNotesSchema);
    await Deno.writeTextFile(tick, `#!/bin/sh\ncat >/dev/null\necho '{"action":"noop","reason":"ok"}'\n`);
    assertEquals((await lab.run(["_", "goal", "write", "other", "moved"])).code, 0);
    assertEquals((await lab.run(["_", "beat"])).code, 0);
    await parses(`${d}/.last-decide.json`, WorldViewSchema);
    await parses(`${d}/.pulse.json`, PulseNotesSchema);
  });
});
