/** First use of a data dir (SPEC §2 "Seeding"): the starter files, written once, never again. */
import stripJsonComments from "strip-json-comments";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { localDayOf, looop, withDataDir } from "../helpers.ts";

const mode = async (path: string) => ((await Deno.stat(path)).mode ?? 0) & 0o777;

Deno.test("the first command seeds PLAYBOOK, two goals, the today sensor and config.json", async () => {
  await withDataDir(async ({ dir, env }) => {
    const r = await looop(["_", "state", "--json"], { env });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr, "");
    const state = JSON.parse(r.stdout);
    assertEquals(state.goals.map((g: { id: string }) => g.id), ["playbook-daily", "setup"]);
    assertEquals(state.goals[1].goal, "the PLAYBOOK and goals reflect my real work");

    const playbook = await Deno.readTextFile(`${dir}/PLAYBOOK.md`);
    for (const want of [/SETUP/, /noop/, /recurring goals/i, /today/, /irreversible/i, /ask/i, /one move/i]) {
      assertMatch(playbook, want);
    }
    for (const move of ["noop", "run_shell", "write_goal", "archive_goal", "write_sensor", "write_playbook"]) {
      assert(playbook.includes(move), `PLAYBOOK lists ${move}`);
    }
    const setup = await Deno.readTextFile(`${dir}/goals/setup.md`);
    assertMatch(setup, /^---\ngoal: the PLAYBOOK and goals reflect my real work\n---/);
    assertMatch(setup, /headless/);
    assertMatch(setup, /archive/);
    const daily = await Deno.readTextFile(`${dir}/goals/playbook-daily.md`);
    assertMatch(daily, /once a day/i);
    assertMatch(daily, /_ ask/);

    // The sensor is executable and prints today's date as one JSON object.
    const sensor = `${dir}/sensors/today.sh`;
    assertEquals(await mode(sensor) & 0o111, 0o111, "today.sh is executable");
    const before = localDayOf(new Date());
    const out = await new Deno.Command(sensor, { cwd: dir, stdout: "piped", stderr: "piped" }).output();
    const after = localDayOf(new Date());
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const reading = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(Object.keys(reading), ["date"]);
    assertMatch(reading.date, /^\d{4}-\d{2}-\d{2}$/);
    assert([before, after].includes(reading.date), `${reading.date} is today`);

    // config.json is JSONC that the program accepts without a warning.
    const configText = await Deno.readTextFile(`${dir}/config.json`);
    assertMatch(configText, /\/\//, "the presets are shown as comments");
    const config = JSON.parse(stripJsonComments(configText, { trailingCommas: true }));
    assertEquals(typeof config, "object");
    assertEquals(config.default, "pi");
    assertEquals(typeof config.interval, "number");
    const cost = await looop(["cost", "--json"], { env });
    assertEquals(cost.code, 0, cost.stderr);
    assertEquals(cost.stderr, "", "no config warning");

    // The mailbox dirs may hold private text: owner only (SPEC §10).
    for (const d of ["asks", "answers", "claims", "runs"]) assertEquals(await mode(`${dir}/${d}`), 0o700, d);
  });
});

Deno.test("seeding happens once: a deleted or edited starter file is left as the human made it", async () => {
  await withDataDir(async ({ dir, env }) => {
    assertEquals((await looop(["_", "asks"], { env })).code, 0);
    await Deno.remove(`${dir}/goals/setup.md`);
    await Deno.writeTextFile(`${dir}/PLAYBOOK.md`, "# mine\n");
    await Deno.remove(`${dir}/config.json`);

    for (const args of [["_", "asks", "--json"], ["_", "state", "--json"], ["cost"]]) {
      const r = await looop(args, { env });
      assertEquals(r.code, 0, r.stderr);
    }
    const goals = [...Deno.readDirSync(`${dir}/goals`)].map((e) => e.name).sort();
    assertEquals(goals, ["archive", "playbook-daily.md"]);
    assertEquals(await Deno.readTextFile(`${dir}/PLAYBOOK.md`), "# mine\n");
    await Deno.stat(`${dir}/config.json`).then(
      () => assert(false, "config.json came back"),
      (e) => assert(e instanceof Deno.errors.NotFound),
    );
  });
});

Deno.test("with LOOOP_CONFIG elsewhere, looop seeds the data dir but writes no config there", async () => {
  await withDataDir(async ({ dir, base, env }) => {
    const configPath = `${base}/elsewhere/looop.jsonc`;
    const r = await looop(["_", "state", "--json"], { env: { ...env, LOOOP_CONFIG: configPath } });
    assertEquals(r.code, 0, r.stderr);
    const state = JSON.parse(r.stdout);
    assertEquals(state.config, { path: configPath, error: null });
    assertEquals(state.data_dir, dir);
    await Deno.stat(`${base}/elsewhere`).then(
      () => assert(false, "looop wrote outside the data dir"),
      (e) => assert(e instanceof Deno.errors.NotFound),
    );
    await Deno.stat(`${dir}/config.json`).then(
      () => assert(false, "config.json seeded although LOOOP_CONFIG points elsewhere"),
      (e) => assert(e instanceof Deno.errors.NotFound),
    );
    assert((await Deno.stat(`${dir}/PLAYBOOK.md`)).isFile);
  });
});
