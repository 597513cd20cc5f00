/**
 * The `kill_worker {id, reason}` move (issue #16): it ends a live worker and everything it started,
 * and is refused, with nothing signalled, for the pulse, an unknown id and a worker already ended.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { processesWith, type PulseLab, uniqueMark, withLab } from "./helpers.ts";

/** A refused move fails the beat and arms the backoff; a goal edit (a human steering) lets the next beat decide. */
async function refusedBeat(lab: PulseLab, n: number): Promise<string> {
  await lab.touchGoal("nudge", `steer ${n}`);
  const b = await lab.beatExpect(3, "refused");
  const last = (await lab.journal()).at(-1) ?? "";
  assertEquals(last.replace(/^- \S+ \S+ /, ""), `move refused: ${b.result?.reason}`, "the refusal is journaled");
  return b.result?.reason ?? "";
}

Deno.test("kill_worker ends a live worker; the pulse, an unknown id and an ended worker are refused", async () => {
  const mark = uniqueMark();
  await withLab({ config: { runners: { pi: { interactive: `sleep ${mark}` } } } }, async (lab) => {
    await lab.ok(["_", "worker", "start", "w1", "a brief"]);
    await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 1, "the worker's process");
    await lab.replies(
      { action: "kill_worker", id: "pulse", reason: "tidy up" },
      { action: "kill_worker", id: "nope", reason: "tidy up" },
      { action: "kill_worker", id: "../w1", reason: "tidy up" },
      { action: "kill_worker", id: "w1", reason: "stuck for an hour" },
      { action: "kill_worker", id: "w1", reason: "again" },
    );

    assertEquals(await refusedBeat(lab, 1), "kill_worker (worker): kill_worker never ends the pulse");
    assertEquals(await refusedBeat(lab, 2), "kill_worker (state): no live worker 'nope' (live: w1)");
    assertEquals(await refusedBeat(lab, 3), 'kill_worker (id): session id "../w1" contains a path separator');
    assertEquals((await lab.sessions()).find((s) => s.id === "w1")?.state, "running", "nothing was signalled");
    assertEquals((await processesWith(`sleep ${mark}`)).length, 1);

    await lab.touchGoal("nudge", "steer 4");
    const killed = await lab.beatExpect(0, "moved");
    assertMatch(killed.result?.journal ?? "", /^- \S+ \S+ kill_worker w1 \(stuck for an hour\)$/);
    assertEquals((await lab.sessions()).find((s) => s.id === "w1")?.state, "killed");
    await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "the worker's process gone");

    assertEquals(await refusedBeat(lab, 5), "kill_worker (state): no live worker 'w1' (no worker is live)");
    const pulse = (await lab.sessions()).find((s) => s.id === "pulse");
    assert(pulse === undefined || pulse.state !== "killed", "the pulse's session was never touched");
  });
});
