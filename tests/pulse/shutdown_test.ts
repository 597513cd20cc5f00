/**
 * Nothing outlives looop (SPEC §5, §8): `down` stops the pulse first (which ends its decide's
 * runner and carries out no move decided before the stop), then every worker, then checks the
 * process table; a pulse killed with SIGKILL mid-decide leaves a runner that the next pulse start
 * ends, verified, with its spend recorded. Checked from `ps`: the processes of the data dir.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { processesOf, processesWith, type PulseLab, uniqueMark, withLab } from "./helpers.ts";

type Flight = { run_id: string; runner: string; since: string; pid?: number; pid_start?: string };

const flightFile = (dir: string) => `${dir}/sessions/pulse/decide.json`;

async function readFlight(dir: string): Promise<Flight | undefined> {
  return await Deno.readTextFile(flightFile(dir)).then((t) => JSON.parse(t) as Flight, () => undefined);
}

/**
 * `up`, then wait until its decide's runner (fake-hang) hangs: two `sleep <mark>` of its group,
 * and the decide's record with the runner's pid and start time. Returns the record.
 */
async function upUntilHanging(lab: PulseLab, mark: string): Promise<Flight> {
  await lab.ok(["up"]);
  await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 2, "the hanging runner");
  return await eventually(
    async () => (await readFlight(lab.dir))?.pid_start ? readFlight(lab.dir) : undefined,
    "the decide's record",
  );
}

const START = { action: "start_worker", id: "w1", prompt: "do the thing", journal: "decided before down" };

Deno.test("down during a decide: the runner's group ends with the pulse, the move it decided is not carried out", async () => {
  const mark = uniqueMark();
  await withLab({
    runner: "fake-hang",
    env: { LOOOP_INTERVAL: "3600", FAKE_HANG_MARK: mark, FAKE_HANG_REPLY: JSON.stringify(START) },
    config: { runners: { pi: { interactive: `sleep ${mark}` } } },
  }, async (lab) => {
    const flight = await upUntilHanging(lab, mark);
    assertEquals(flight.runner, "pi");
    const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
    assertEquals([state.pulse.up, state.pulse.runner, state.pulse.decide?.runner], [true, "pi", "pi"]);
    assertEquals(state.pulse.decide.since, flight.since);
    assertMatch((await lab.ok(["_", "state"])).stdout, /^pulse +up \(pi\), deciding with pi for \d+s/m);

    const down = await lab.run(["down"]);
    assertEquals(down.code, 0, down.stderr);
    assertMatch(down.stdout, /^pulse stopped; no workers were running\n$/);
    // Stopped, not killed: the pulse ended its runner's group itself.
    assertEquals(await processesWith(`sleep ${mark}`), []);
    assertEquals(await processesOf(lab.dir), []);
    assertEquals(await lab.workerIds(), [], "no worker was started after down");
    assertEquals(await readFlight(lab.dir), undefined, "the record of the decide is gone");
    const result = JSON.parse(await Deno.readTextFile(`${lab.dir}/runs/${flight.run_id}/result.json`));
    assertEquals(result.reason, "stopped");
    assert(!(await lab.journal()).some((l) => /start_worker/.test(l)), "nothing was journaled as started");
    assertEquals((await lab.run(["_", "state", "--json"])).code, 0);
  });
});

Deno.test("down during a start_worker: the pulse stops first, then the starting worker; down exits 0", async () => {
  const mark = uniqueMark();
  await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
    const out = `${lab.base}/down.out`;
    // The worker's command runs `looop down` (in a session of its own) the moment it starts, so
    // `down` comes while the pulse is inside its start_worker move.
    const interactive =
      `setsid sh -c '"$LOOOP_BIN" down > ${out} 2>&1; echo "rc=$?" >> ${out}' < /dev/null > /dev/null 2>&1 & exec sleep ${mark}`;
    await lab.configure({ runners: { pi: { interactive } } });
    await lab.replies(START);
    await lab.ok(["up"]);
    const text = await eventually(
      () => Deno.readTextFile(out).then((t) => /rc=\d+/.test(t) ? t : undefined, () => undefined),
      "down to finish",
      30_000,
    );
    assertMatch(text, /^pulse stopped; stopped 1 worker\(s\): w1\nrc=0\n$/);
    assertEquals(await processesWith(`sleep ${mark}`), []);
    assertEquals(await lab.noProcessesLeft(), []);
    const rows = await lab.sessions();
    assertEquals(rows.map((s) => [s.id, s.state === "running"]), [["pulse", false], ["w1", false]]);
  });
});

Deno.test("SIGKILL of the pulse mid-decide: the next pulse start ends the runner left behind and records its spend", async () => {
  const mark = uniqueMark();
  const next = uniqueMark();
  await withLab({
    runner: "fake-hang",
    env: { LOOOP_INTERVAL: "3600", FAKE_HANG_MARK: mark, FAKE_HANG_REPLY: '{"action":"noop","reason":"x"}' },
  }, async (lab) => {
    const flight = await upUntilHanging(lab, mark);
    const pulse = await lab.metaPid("pulse");
    assert(pulse, "the pulse's pid");
    Deno.kill(pulse, "SIGKILL");
    await eventually(
      async () => !(await lab.sessions()).some((s) => s.id === "pulse" && s.state === "running"),
      "the pulse to die",
    );
    // The runner leads a session of its own: it outlived the pulse.
    assertEquals((await processesWith(`sleep ${mark}`)).length, 2, "the runner survived its pulse");
    const before = await lab.journal();

    // The next pulse (its own runner hangs on another mark) ends it before it beats.
    await lab.ok(["up"], { env: { FAKE_HANG_MARK: next } });
    await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "the orphaned runner to end");
    const added = await lab.journalSince(before);
    assertEquals(added.length, 1, added.join("\n"));
    assertMatch(
      added[0],
      new RegExp(
        `decide interrupted: a pulse died during run ${flight.run_id} \\(pi, since ${flight.since}\\); ` +
          "its runner was still running and was ended; its spend, \\$0\\.2500, is recorded$",
      ),
    );
    const ledger = await lab.ledger();
    assertEquals(ledger.map((l) => [l.kind, l.id, l.runner, l.cost_usd]), [["tick", "pulse", "pi", 0.25]]);
    const result = JSON.parse(await Deno.readTextFile(`${lab.dir}/runs/${flight.run_id}/result.json`));
    assertEquals([result.ok, result.cost_usd], [false, 0.25]);

    await eventually(async () => (await processesWith(`sleep ${next}`)).length === 2, "the new pulse's decide");
    const down = await lab.run(["down"]);
    assertEquals(down.code, 0, down.stderr);
    assertEquals(await processesWith(`sleep ${next}`), []);
    assertEquals(await processesOf(lab.dir), []);
  });
});

Deno.test("a forged decide record naming a stranger's pid: the pulse start leaves that process alone", async () => {
  await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
    const mark = uniqueMark();
    const stranger = new Deno.Command("sleep", { args: [mark] }).spawn();
    try {
      const flight: Flight = {
        run_id: "20260101-000000-000-abcd",
        runner: "pi",
        since: new Date().toISOString(),
        pid: stranger.pid,
        pid_start: "Thu Jan  1 00:00:00 1970",
      };
      await Deno.mkdir(`${lab.dir}/sessions/pulse`, { recursive: true });
      await Deno.writeTextFile(flightFile(lab.dir), JSON.stringify(flight));
      const before = await lab.journal();
      const beat = await lab.beat();
      assertEquals(beat.code, 0, beat.stderr);
      // (Deno starts it as /usr/bin/sleep: found by its unique argument)
      assertEquals((await processesWith(mark)).map((p) => p.pid), [stranger.pid]);
      const added = await lab.journalSince(before);
      assertMatch(added[0], new RegExp(`its runner's pid ${stranger.pid} belongs to another process now, left alone`));
      assertEquals(await readFlight(lab.dir), undefined);
    } finally {
      stranger.kill("SIGKILL");
      await stranger.status;
    }
  });
});
