/**
 * The spend guards end to end through `_ beat` (#15): the backoff that only a success or a human's
 * edit ends, the noop TTL, flapping sensors, a sensor's interval header, transient runner failures
 * retried in the beat, a usage limit that pauses decides until its reset, and each beat's receipt.
 * Each guard's own logic, with time injected, is in tests/core/guards_test.ts.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { countMatching, FIXTURES, type PulseLab, withLab } from "./helpers.ts";

const section = (prompt: string, title: string) =>
  new RegExp(`===== ${title} =====\\n([\\s\\S]*?)\\n(?=\\n=====|$)`).exec(prompt)?.[1];

/** A sensor whose signal is whatever the test last wrote to scratch/<name>. */
async function steerableSensor(lab: PulseLab, name: string): Promise<(v: string) => Promise<void>> {
  await lab.sensor(name, `#!/bin/sh\necho '{"signal":{"v":"'$(cat ${lab.dir}/scratch/${name} 2>/dev/null)'"}}'\n`);
  return (v) => Deno.writeTextFile(`${lab.dir}/scratch/${name}`, v);
}

/**
 * A runner that fails its first `fails` calls with `message` on stderr, then answers as fake-pi.
 * Its calls are counted in <base>/calls.
 */
async function failingRunner(lab: PulseLab, fails: number, message: string): Promise<string> {
  const path = `${lab.base}/failing-runner`;
  await Deno.writeTextFile(
    path,
    `#!/usr/bin/env bash
n=$(cat "${lab.base}/calls" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${lab.base}/calls"
if [ "$n" -le ${fails} ]; then cat >/dev/null; echo ${JSON.stringify(message)} >&2; exit 1; fi
exec ${FIXTURES}/fake-pi
`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

const calls = async (lab: PulseLab) => Number((await Deno.readTextFile(`${lab.base}/calls`).catch(() => "0")).trim());

Deno.test("backoff: a moving sensor does not cut the wait short; a human's goal edit does, and only a success resets", async () => {
  await withLab({}, async (lab) => {
    const set = await steerableSensor(lab, "n");
    await set("1");
    await lab.replies("no json", "still no json", { action: "noop", reason: "fine" });
    await lab.beatExpect(1, "no-move");
    await set("2"); // the world moved, but no human steered
    const b = await lab.beatExpect(0, "paused");
    assertEquals(b.result?.why, "backoff");
    assertEquals(await lab.decides(), 1);
    await lab.touchGoal("g", "a human's new goal"); // a steering edit: try at once
    await lab.beatExpect(1, "no-move");
    assertEquals(await lab.decides(), 2);
    assertEquals(JSON.parse(await Deno.readTextFile(`${lab.dir}/.tick-backoff`)).failures, 2, "no reset");
    await lab.touchGoal("g", "edited again");
    await lab.beatExpect(0, "moved");
    assert(!(await lab.exists(".tick-backoff")), "a success resets the count");
  });
});

Deno.test("noop TTL: a world settled by a noop is decided again once the TTL is over, journaled once", async () => {
  await withLab({}, async (lab) => {
    const env = { LOOOP_NOOP_TTL: "1" };
    await lab.beatExpect(0, "moved", env); // the first decide: the default reply is a noop
    await lab.beatExpect(0, "skipped", { LOOOP_NOOP_TTL: "3600" });
    await new Promise((r) => setTimeout(r, 1100));
    const before = await lab.journal();
    const again = await lab.beatExpect(0, "moved", env);
    assertMatch(again.stderr, /"event":"noop\.ttl"/);
    assertEquals(await lab.decides(), 2);
    const added = await lab.journalSince(before);
    assertEquals(countMatching(added, /world unchanged since a noop at \S+: deciding again \(noop TTL 1s\)/), 1);
    // That decide was a noop too: a fresh TTL starts from it.
    await lab.beatExpect(0, "skipped", { LOOOP_NOOP_TTL: "3600" });
    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertMatch(state.guards.noop.at, /^\d{4}-/);
    assertEquals(Date.parse(state.guards.noop.redecide_at) - Date.parse(state.guards.noop.at), 1000);
  });
});

Deno.test("flapping: a sensor that changes on N beats in a row stops waking the loop, is named in the prompt, and wakes it once it holds still", async () => {
  await withLab({}, async (lab) => {
    const env = { LOOOP_FLAP_STREAK: "2" };
    const set = await steerableSensor(lab, "flip");
    await set("a");
    await lab.beatExpect(0, "moved", env); // first decide
    await set("b");
    await lab.beatExpect(0, "moved", env); // changed once: decided
    await set("a");
    const before = await lab.journal();
    const damped = await lab.beatExpect(0, "skipped", env); // changed twice in a row: damped
    assertMatch(damped.stderr, /"event":"sensor\.flapping"/);
    assertEquals(
      countMatching(await lab.journalSince(before), /sensor sensor-flip is flapping \(its signal changed on 2 beats/),
      1,
    );
    await set("b");
    await lab.beatExpect(0, "skipped", env);
    let state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals(state.guards.flapping, ["sensor-flip"]);
    // Something else changes: the decide sees the flapping sensor named, its reading current.
    await set("a");
    await lab.touchGoal("g", "new");
    await lab.beatExpect(0, "moved", env);
    const prompts = await lab.prompts();
    assertMatch(section(prompts[2], "FLAPPING SENSORS") ?? "", /^- sensor-flip: changed on 4 beats in a row$/m);
    assertMatch(section(prompts[2], "SENSOR READINGS") ?? "", /sensor-flip: \{"signal":\{"v":"a"\}/);
    assertEquals(countMatching(await lab.journal(), /sensor-flip is flapping/), 1, "journaled when it engaged, once");
    // It holds still: no longer damped, and its real signal (b when it was damped, a now) wakes one decide.
    await set("a");
    const held = await lab.beatExpect(0, "moved", env);
    assertMatch(held.stderr, /"event":"sensor\.steady"/);
    assertMatch(section((await lab.prompts())[3], "WHAT CHANGED") ?? "", /^sensor-flip: /m);
    state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals(state.guards.flapping, []);
    await lab.beatExpect(0, "skipped", env);
    assertEquals(await lab.decides(), 4);
  });
});

Deno.test("sensor interval: a `# looop:interval` header runs the sensor at most that often; its last reading stands between", async () => {
  await withLab({}, async (lab) => {
    const script = (s: string) => `#!/bin/sh\n# looop:interval=${s}\necho '{"signal":{"t":"'$(date +%s%N)'"}}'\n`;
    await lab.sensor("slow", script("3600"));
    await lab.beatExpect(0, "moved");
    const first = (await lab.snapshot("sensor-slow")).signal;
    const b = await lab.beatExpect(0, "skipped");
    assertMatch(b.stderr, /1 between runs: sensor-slow/);
    assertEquals((await lab.snapshot("sensor-slow")).signal, first, "its last reading stood");
    const [run] = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout).guards.sensor_intervals;
    assertEquals([run.sensor, run.every_s, Date.parse(run.next_run) - Date.parse(run.last_run)], [
      "sensor-slow",
      3600,
      3600_000,
    ]);
    await lab.sensor("slow", script("1"));
    await new Promise((r) => setTimeout(r, 1100));
    await lab.beatExpect(0, "moved");
    assert(JSON.stringify((await lab.snapshot("sensor-slow")).signal) !== JSON.stringify(first), "it ran again");
  });
});

Deno.test("transient runner failures are retried inside the beat; LOOOP_RUNNER_RETRIES bounds them", async () => {
  await withLab({}, async (lab) => {
    await lab.configure({}, await failingRunner(lab, 2, "API Error: 529 overloaded_error"));
    const b = await lab.beatExpect(0, "moved");
    assertEquals(await calls(lab), 3, "two retries, then the answer");
    assertEquals(countMatching(b.stderr.split("\n"), /"event":"decide\.retry"/), 2);
    assertMatch(b.stderr, /transient runner failure \(API Error: 529 overloaded_error\): try 2 of 3 in 1s/);
    await Deno.writeTextFile(`${lab.base}/calls`, "0");
    await lab.touchGoal("g", "again");
    const none = await lab.beatExpect(1, "no-move", { LOOOP_RUNNER_RETRIES: "0" });
    assertMatch(none.result?.reason ?? "", /the runner exited 1: API Error: 529 overloaded_error/);
    assertEquals(await calls(lab), 1);
  });
});

Deno.test("a usage limit with a reset time pauses decides until then (journaled once, in _ state), then they resume", async () => {
  await withLab({}, async (lab) => {
    await lab.configure({}, await failingRunner(lab, 1, "Error: usage limit reached, try again in 3 seconds"));
    const before = await lab.journal();
    const hit = await lab.beatExpect(0, "paused");
    assertEquals(hit.result?.why, "runner_limit");
    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals([state.guards.runner_limit?.runner, state.guards.backoff], ["pi", null], "a limit is no failure");
    assertMatch(state.guards.runner_limit?.reason ?? "", /usage limit reached/);
    await lab.touchGoal("g", "the world moves meanwhile");
    const held = await lab.beatExpect(0, "paused");
    assertEquals(held.result?.why, "runner_limit");
    assertEquals(await calls(lab), 1, "no decide while the limit holds");
    const added = await lab.journalSince(before);
    assertEquals(countMatching(added, /runner pi hit a usage limit \(Error: usage limit reached/), 1);
    const until = Date.parse(state.guards.runner_limit.until);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 100));
    const resumed = await lab.beatExpect(0, "moved");
    assertMatch(resumed.stderr, /"event":"runner\.limit\.over"/);
    assertEquals(await calls(lab), 2);
    assertEquals(JSON.parse((await lab.ok(["_", "state", "--json"])).stdout).guards.runner_limit, null);
  });
});

Deno.test("receipts: every beat leaves a receipt line; _ state counts today; looop cost prices the skipped decides", async () => {
  await withLab({}, async (lab) => {
    const first = await lab.beatExpect(0, "moved");
    assertMatch(
      first.stderr,
      /"event":"beat\.receipt","msg":"moved \(1 decide, \$0\.0030\) · today: 1 beats, 0 skipped, 1 decided/,
    );
    await lab.beatExpect(0, "skipped");
    await lab.beatExpect(0, "skipped");
    await lab.ok(["pause"]);
    await lab.touchGoal("g", "moved");
    await lab.beatExpect(0, "paused");
    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals(state.today, { beats: 4, skips: 2, decides: 1, failures: 0, pauses: { paused: 1 }, spend_usd: 0.003 });
    const cost = JSON.parse((await lab.ok(["cost", "--json"])).stdout);
    assertEquals(cost.skipped_decides, { beats: 4, count: 3, average_decide_usd: 0.003, would_have_cost_usd: 0.009 });
    const text = (await lab.ok(["cost"])).stdout;
    assertMatch(
      text,
      /skipped today: 3 decides of 4 beats \(unchanged world or a guard\); at today's average decide \(\$0\.0030\) they would have cost \$0\.0090/,
    );
    assertMatch(
      (await lab.ok(["_", "state"])).stdout,
      /today +4 beats: 2 skipped, 1 decided, 0 failed, paused: paused 1/,
    );
  });
});

Deno.test("next_interval_s over max_next_interval_s is clamped, journaled once; _ state shows the settings in force", async () => {
  await withLab({}, async (lab) => {
    const env = { LOOOP_MAX_NEXT_INTERVAL: "60", LOOOP_NOOP_TTL: "900" };
    await lab.replies(
      { action: "noop", reason: "later", next_interval_s: 3600 },
      { action: "noop", reason: "later again", next_interval_s: 3600 },
    );
    const first = await lab.beatExpect(0, "moved", env);
    assertEquals(first.result?.nextIntervalS, 60);
    await lab.beatExpect(0, "moved", env); // a next_interval_s makes the next beat decide
    assertEquals(
      countMatching(
        await lab.journal(),
        /next_interval_s 3600 is outside 5\.\.60 \(max_next_interval_s\): the next beat comes in 60s/,
      ),
      1,
    );
    const limits = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout).guards.limits;
    assertEquals([limits.max_next_interval_s, limits.noop_ttl_s, limits.max_decides_per_hour], [60, 900, 30]);
  });
});
