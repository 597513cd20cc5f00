/**
 * Durable schedules through real beats (issue #16): a one-shot wakes exactly one decide at its
 * time, a repeating one one per period, and nothing is lost or doubled across a restart. Every
 * `_ beat` is a new process, so each beat below is a restarted pulse that knows only the files.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { type PulseLab, withLab } from "./helpers.ts";

/** The body of one prompt section (`===== TITLE =====`), or undefined when the prompt has none. */
function section(prompt: string, title: string): string | undefined {
  const m = new RegExp(`===== ${title} =====\\n([\\s\\S]*?)(?=\\n===== |$)`).exec(prompt);
  return m?.[1];
}

/** The sys-schedules line of the prompt's SENSOR READINGS. */
function schedulesLine(prompt: string): string {
  return (section(prompt, "SENSOR READINGS") ?? "").split("\n").find((l) => l.startsWith("sys-schedules: ")) ?? "";
}

/** Wait, bounded, until the clock has passed `iso` (the schedule's own time, read from its file). */
async function until(iso: string): Promise<void> {
  const at = Date.parse(iso);
  assert(Number.isFinite(at), `not a time: ${iso}`);
  await eventually(() => Promise.resolve(Date.now() > at), `the clock to pass ${iso}`, 70_000);
}

async function scheduleFile(lab: PulseLab, name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(`${lab.dir}/schedules/${name}.json`));
}

/** Move a schedule's times by hand (the clock injected through its file); its signal must not change by it. */
async function retime(lab: PulseLab, name: string, fields: Record<string, string>): Promise<void> {
  const file = await scheduleFile(lab, name);
  await Deno.writeTextFile(`${lab.dir}/schedules/${name}.json`, JSON.stringify({ ...file, ...fields }) + "\n");
}

Deno.test("a one-shot schedule wakes exactly one decide at its time, across restarts; the prompt shows its note", async () => {
  await withLab({}, async (lab) => {
    const w = await lab.ok(["_", "schedule", "write", "ping", "--in", "3600", "--note", "ping the team"]);
    assertMatch(w.stdout, /write_schedule ping \(in 3600s\) \(by hand\)\n$/);
    await lab.beatExpect(0, "moved"); // the first world, the schedule pending in it
    assertMatch(schedulesLine((await lab.prompts())[0]), /"signal":\{"ping":"pending"\}/);
    await lab.beatExpect(0, "skipped"); // until its time the world holds still: the clock is not in the hash

    // Its time comes in a second (set in the file): still pending, so nothing moves until then.
    const due = new Date(Date.now() + 1000).toISOString();
    await retime(lab, "ping", { due });
    await until(due);
    await lab.beatExpect(0, "moved");
    const prompts = await lab.prompts();
    const last = prompts[prompts.length - 1];
    assertMatch(schedulesLine(last), /"signal":\{"ping":"due"\}/);
    assertMatch(schedulesLine(last), /"note":"ping the team"/);
    assertMatch(section(last, "WHAT CHANGED") ?? "", /^sys-schedules/m);
    assertEquals(prompts.length, 2);

    // Every later beat is a new pulse process: each derives "due" again from the file, and skips.
    for (let i = 0; i < 3; i++) await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 2, "no second decide for the same due one-shot");

    // Dropping it is the next change (a beat sees its own moves), then the world settles.
    await lab.ok(["_", "schedule", "rm", "ping"]);
    await lab.beatExpect(0, "moved");
    await lab.beatExpect(0, "skipped");
    assertEquals(await lab.exists("schedules/ping.json"), false);
  });
});

Deno.test("a one-shot that came due while no pulse ran (`--in 1`) is decided at the first beat back, once", async () => {
  await withLab({}, async (lab) => {
    await lab.beatExpect(0, "moved");
    await lab.beatExpect(0, "skipped");
    await lab.ok(["_", "schedule", "write", "later", "--in", "1"]);
    await until(String((await scheduleFile(lab, "later")).due)); // no pulse runs meanwhile
    await lab.beatExpect(0, "moved");
    const prompts = await lab.prompts();
    assertMatch(schedulesLine(prompts[prompts.length - 1]), /"signal":\{"later":"due"\}/);
    await lab.beatExpect(0, "skipped");
    assertEquals(await lab.decides(), 2);
  });
});

Deno.test("a repeating schedule wakes one decide per period, none between, across restarts", async () => {
  await withLab({}, async (lab) => {
    await lab.ok(["_", "schedule", "write", "tick", "--every", "60", "--note", "hourly check"]);
    await lab.beatExpect(0, "moved");
    assertMatch(schedulesLine((await lab.prompts())[0]), /"signal":\{"tick":0\}/);
    await lab.beatExpect(0, "skipped");

    // The clock injected through the file: anchored 59 s ago, period 0 ends in a second; then
    // anchored 119 s ago, period 1 does. One decide each, and every beat between skips.
    for (const [period, agoS] of [[1, 59], [2, 119]]) {
      const anchor = new Date(Date.now() - agoS * 1000).toISOString();
      await retime(lab, "tick", { anchor });
      await until(new Date(Date.parse(anchor) + period * 60_000).toISOString());
      await lab.beatExpect(0, "moved");
      const prompts = await lab.prompts();
      const line = schedulesLine(prompts[prompts.length - 1]);
      assertMatch(line, new RegExp(`"signal":\\{"tick":${period}\\}`));
      assertMatch(line, /"next":"[^"]+","note":"hourly check"/);
      for (let i = 0; i < 2; i++) await lab.beatExpect(0, "skipped");
      assertEquals(await lab.decides(), 1 + period, `one decide for period ${period}, not one per beat`);
    }
  });
});

Deno.test("a corrupt schedule file is a reading, never a crash: it wakes one decide and the beat goes on", async () => {
  await withLab({}, async (lab) => {
    await lab.beatExpect(0, "moved");
    await Deno.writeTextFile(`${lab.dir}/schedules/torn.json`, '{"name":"torn","kind":');
    await lab.beatExpect(0, "moved");
    const snap = await lab.snapshot("sys-schedules");
    assertEquals(snap.signal, { torn: "corrupt" });
    assertMatch(JSON.stringify(snap.detail), /"torn":\{"corrupt":"[^"]+","fix":"rewrite it with write_schedule/);
    await lab.beatExpect(0, "skipped");
    const list = await lab.ok(["_", "schedule", "list"]);
    assertMatch(list.stdout, /^torn {2}corrupt: .+ \(rewrite it with `_ schedule write`, or `_ schedule rm` it\)$/m);
  });
});

Deno.test("write_schedule and drop_schedule as decided moves: written, journaled, refused for a ../ name", async () => {
  await withLab({}, async (lab) => {
    await lab.replies(
      { action: "write_schedule", name: "standup", every_s: 86400, note: "post the standup" },
      { action: "drop_schedule", name: "standup" },
      { action: "write_schedule", name: "../goals/x", in_s: 60 },
    );
    const w = await lab.beatExpect(0, "moved");
    assertMatch(w.result?.journal ?? "", /write_schedule standup \(every 86400s\)$/);
    assertEquals((await scheduleFile(lab, "standup")).every_s, 86400);
    const d = await lab.beatExpect(0, "moved"); // the new schedule is the change this beat decides on
    assertMatch(d.result?.journal ?? "", /drop_schedule standup$/);
    assertEquals(await lab.exists("schedules/standup.json"), false);
    const bad = await lab.beatExpect(3, "refused");
    assertEquals(bad.result?.reason, 'write_schedule (id): schedule id "../goals/x" contains a path separator');
    assertMatch(
      (await lab.journal()).at(-1) ?? "",
      /move refused: write_schedule \(id\): schedule id "\.\.\/goals\/x"/,
    );
    assertEquals(await lab.exists("goals/x.json"), false);
  });
});

Deno.test("the running pulse beats at a schedule's time, long before its interval; a schedule write wakes it too", async () => {
  await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
    await lab.ok(["up"]);
    try {
      await eventually(async () => (await lab.decides()) >= 1, "the first decide", 20_000);
      await lab.ok(["_", "schedule", "write", "ping", "--in", "3", "--note", "look now"]);
      // With an hour's interval, only the schedule's own time brings the beat that sees it due.
      await eventually(
        async () => (await lab.prompts()).some((p) => /"signal":\{"ping":"due"\}/.test(schedulesLine(p))),
        "a decide that sees ping due",
        30_000,
      );
    } finally {
      await lab.ok(["down"]);
    }
  });
});
