/**
 * Every ask reaches a final state (SPEC §9) with real workers: killed or exited, its worker's ask
 * expires everywhere it was shown (`_ asks`, `_ state`, the decide prompt) and keeps its record;
 * a withdrawn ask (its record deleted) unblocks its `_ ask` with exit 4; a worker may not answer.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { type Lab, withLab } from "./helpers.ts";

type AskDoc = { id: string; worker: string; state?: string; ended?: string; why?: string };

async function pending(lab: Lab): Promise<string[]> {
  const r = await lab.run(["_", "asks", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as AskDoc[]).map((a) => a.id);
}

const ended = async (lab: Lab, id: string): Promise<AskDoc> =>
  JSON.parse(await Deno.readTextFile(`${lab.dir}/asks/done/${id}.json`));

const ASK = 'a=$("$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "deploy?"); mark rc "$?"; mark answer "$a"';

Deno.test("a killed worker's pending ask expires everywhere it was shown, and keeps its record", async () => {
  await withLab(async (lab) => {
    await lab.start("w1", `${ASK}\nsleep 600`);
    await eventually(async () => (await pending(lab)).includes("w1-1") || undefined, "w1's ask");
    const killed = await lab.run(["_", "kill", "w1"]);
    assertEquals(killed.code, 0, killed.stderr);

    assertEquals(await pending(lab), []);
    const state = JSON.parse((await lab.run(["_", "state", "--json"])).stdout);
    assertEquals(state.asks, []);
    assert(!/w1-1/.test((await lab.run(["_", "state"])).stdout), "the text state shows no w1-1");
    const rec = await ended(lab, "w1-1");
    assertEquals([rec.state, rec.why], ["expired", "worker w1 killed"]);
    assert(!Number.isNaN(Date.parse(rec.ended ?? "")), `ended: ${rec.ended}`);
    assert(!(await Deno.lstat(`${lab.dir}/asks/w1-1.json`).then(() => true, () => false)), "no longer open");

    const late = await lab.run(["_", "answer", "w1-1", "yes"]);
    assertEquals(late.code, 1, late.stderr);
    assertMatch(late.stderr, /^looop: ask w1-1 expired \(worker w1 killed\) at \S+ — nobody waits for this answer/);
    assert(!(await Deno.lstat(`${lab.dir}/answers/w1-1.json`).then(() => true, () => false)), "no answer written");
  });
});

Deno.test("a worker that exits with its ask pending: the ask is hidden at once, then expired and journaled by a beat", async () => {
  await withLab(async (lab) => {
    await lab.start("w2", '"$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "still there?" --timeout 0; exit 0');
    await eventually(async () => (await lab.row("w2"))?.state === "exited" || undefined, "w2 to exit");
    assert(await Deno.lstat(`${lab.dir}/asks/w2-1.json`).then(() => true, () => false), "still open on disk");
    assertEquals(await pending(lab), [], "an ask of a worker that is gone is not shown");

    const beat = await lab.run(["_", "beat"]);
    assert(beat.code === 0 || beat.code === 1, beat.stderr); // the tick `true` yields no move
    const journal = await Deno.readTextFile(`${lab.dir}/journal.md`);
    assertMatch(journal, /ask w2-1 expired: worker w2 exited 0\n/);
    assertEquals((await ended(lab, "w2-1")).state, "expired");
    // The decide prompt of that beat lists no pending ask.
    const runs = [...Deno.readDirSync(`${lab.dir}/runs`)].map((e) => e.name).sort();
    const prompt = await Deno.readTextFile(`${lab.dir}/runs/${runs.at(-1)}/prompt.md`);
    assert(!prompt.includes("still there?"), "the expired ask reached the decide prompt");
  });
});

Deno.test("a withdrawn ask unblocks its _ ask with exit 4; _ answer from inside a worker is refused", async () => {
  await withLab(async (lab) => {
    await lab.start("w3", `${ASK}\nsleep 600`);
    await eventually(async () => (await pending(lab)).includes("w3-1") || undefined, "w3's ask");
    // Another worker tries to answer it: refused (exit 3), nothing written.
    await lab.start("w4", '"$LOOOP_BIN" _ answer w3-1 yes 2> "$OUT/w4.err"; mark w4rc "$?"; sleep 600');
    assertEquals(await lab.marker("w4rc"), "3");
    assertMatch(
      await Deno.readTextFile(lab.out("w4.err")),
      /^looop: _ answer refused inside worker session 'w4': a worker may not answer asks, a human does/,
    );
    assert(!(await Deno.lstat(`${lab.dir}/answers/w3-1.json`).then(() => true, () => false)), "no answer written");

    await Deno.remove(`${lab.dir}/asks/w3-1.json`); // the human withdraws it
    assertEquals(await lab.marker("rc"), "4");
    const rec = await ended(lab, "w3-1");
    assertEquals([rec.state, rec.why], ["withdrawn", "its record was deleted"]);
    assertEquals(await pending(lab), []);
    const out = await Deno.readTextFile(`${lab.dir}/sessions/w3/output.log`);
    assertMatch(out, /ask w3-1 was withdrawn at \S+: no answer will come/);
  });
});
