/**
 * The pulse's own state files read against their schemas (store/pulse_state.ts): a torn or
 * hand-broken file is journaled once, counts as what it says (a corrupt backoff is one failure,
 * never a reset), and is rewritten whole by the beat that found it.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { countMatching, withLab } from "./helpers.ts";

Deno.test("a torn .tick-backoff counts as a failure (no reset): journaled once, rewritten, and the next failure waits longer", async () => {
  await withLab({}, async (lab) => {
    await lab.replies("not a move at all", "still not a move");
    await lab.beatExpect(1, "no-move"); // one real failure: .tick-backoff says failures 1
    const backoff = `${lab.dir}/.tick-backoff`;
    const whole = JSON.parse(await Deno.readTextFile(backoff));
    assertEquals(whole.failures, 1);
    await Deno.writeTextFile(backoff, `{"failures": 1, "hash": "${whole.hash.slice(0, 9)}`); // torn mid-write
    await lab.touchGoal("steer", "moved"); // a new world, so the beat decides again
    const b = await lab.beatExpect(1, "no-move");
    const journal = await lab.journal();
    assertEquals(
      countMatching(journal, /\.tick-backoff is corrupt \(.+\): counted as one failed decide; it is rewritten$/),
      1,
    );
    // One failure from the corrupt file, one now: the count went on instead of starting over.
    const after = JSON.parse(await Deno.readTextFile(backoff));
    assertEquals(after.failures, 2);
    assertMatch(b.stderr, /next decide in 120s unless a PLAYBOOK or goal is edited/);
    // The next beat on the same world backs off, and the corruption is not journaled again.
    assertEquals((await lab.beatExpect(0, "paused")).result?.why, "backoff");
    assertEquals(countMatching(await lab.journal(), /is corrupt/), 1);
  });
});

Deno.test("a corrupt .pulse.json, .last-decide.json and .last-tick-hash: each named once, the beat decides, all rewritten", async () => {
  await withLab({}, async (lab) => {
    await lab.replies({ action: "noop", reason: "first" }, { action: "noop", reason: "second" });
    await lab.beatExpect(0, "moved");
    await Deno.writeTextFile(`${lab.dir}/.pulse.json`, `{"reported_exits": 7}`); // JSON, wrong shape
    await Deno.writeTextFile(`${lab.dir}/.last-decide.json`, "{");
    await Deno.writeTextFile(`${lab.dir}/.last-tick-hash`, "garbage\n");
    const before = await lab.journal();
    const b = await lab.beatExpect(0, "moved");
    assertEquals(b.result?.move?.reason, "second", "a hash that is not a hash counts as a changed world");
    const lines = await lab.journalSince(before);
    assertMatch(lines.find((l) => l.includes(".pulse.json is corrupt"))!, /its once-only notices may repeat once/);
    assertMatch(lines.find((l) => l.includes(".last-decide.json is corrupt"))!, /WHAT CHANGED starts over/);
    assertMatch(lines.find((l) => l.includes(".last-tick-hash is corrupt"))!, /the world counts as changed/);
    const prompt = (await lab.prompts())[1];
    assert(prompt.includes("first decide: everything is new"), "WHAT CHANGED had no baseline");
    assertMatch(await Deno.readTextFile(`${lab.dir}/.last-tick-hash`), /^[0-9a-f]{64}\n$/);
    assertEquals(typeof JSON.parse(await Deno.readTextFile(`${lab.dir}/.last-decide.json`)).signals, "object");
    const notes = JSON.parse(await Deno.readTextFile(`${lab.dir}/.pulse.json`));
    assert(notes.reported_exits === undefined || typeof notes.reported_exits === "object", JSON.stringify(notes));
    await lab.beatExpect(0, "skipped");
    assertEquals(countMatching(await lab.journal(), /is corrupt/), 3, "each once");
  });
});

Deno.test("a forged decide record (a run_id with ../) is never acted on: removed, journaled, nothing written outside", async () => {
  await withLab({}, async (lab) => {
    const outside = `${lab.dir}/../escaped`;
    await Deno.mkdir(`${lab.dir}/sessions/pulse`, { recursive: true });
    await Deno.writeTextFile(
      `${lab.dir}/sessions/pulse/decide.json`,
      JSON.stringify({ run_id: "../../escaped", runner: "pi", since: "2026-01-01T00:00:00Z", pid: 1 }),
    );
    await lab.beatExpect(0, "moved");
    const line = (await lab.journal()).find((l) => l.includes("decide interrupted"));
    assertMatch(line ?? "", /whose record is corrupt \(run_id: .+\); it was removed/);
    assert(!(await lab.exists("sessions/pulse/decide.json")), "the record is gone");
    assert(!(await Deno.stat(outside).then(() => true, () => false)), "nothing was written outside the data dir");
  });
});
