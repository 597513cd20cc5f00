/**
 * Worker sessions (SPEC §8) through the real CLI: detached hosts that outlive their starter, the
 * ask round trip, what a session leaves on disk, `_ kill` of a whole process group, a host that
 * dies, and `_ tell`.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { assertBackgroundLaunch, eventually, JOURNAL_LINE } from "../helpers.ts";
import { SELF_ENV } from "../../src/sys/permissions.ts";
import { workerContract } from "../../src/supervisor/start.ts";
import { shellQuote } from "../../src/core/shell.ts";
import {
  childEnv,
  groupMembers,
  killQuietly,
  type Lab,
  looopCommandLine,
  processAlive,
  quote,
  withLab,
} from "./helpers.ts";

const output = (lab: Lab, id: string) => Deno.readTextFile(`${lab.dir}/sessions/${id}/output.log`);
const groupGone = (pgid: number, what: string) =>
  eventually(async () => (await groupMembers(pgid)).length === 0, what, 5000);

Deno.test("a worker outlives `_ worker start` and the SIGKILL of that command's whole process group", async () => {
  await withLab(async (lab) => {
    await lab.script("w1", "i=0\nwhile :; do i=$((i+1)); mark beat $i; sleep 0.1; done");
    // The starter runs in its own session and process group, which lives on (sleep) after the start.
    const starter = [
      `ps -o pgid= -p $$ > ${quote(lab.out("starter.pgid"))}`,
      `${looopCommandLine} _ worker start w1 'keep beating' > ${quote(lab.out("start.log"))} 2>&1`,
      `echo $? > ${quote(lab.out("start.rc"))}`,
      "sleep 30",
    ].join("\n");
    const wrapper = new Deno.Command("setsid", {
      args: ["bash", "-c", starter],
      env: childEnv(lab.env),
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const rc = await lab.marker("start.rc", "`_ worker start` to return");
      assertEquals(rc, "0", await Deno.readTextFile(lab.out("start.log")));
      const pgid = Number(await lab.marker("starter.pgid"));
      const meta = await lab.meta("w1");
      const group = await groupMembers(pgid);
      assert(group.length > 0, "the starter's group is alive until killed");
      assert(!group.some((p) => p.pid === meta.pid || p.pid === meta.host_pid), "host and worker are apart from it");

      Deno.kill(-pgid, "SIGKILL");
      await wrapper.status;
      await groupGone(pgid, "the starter's process group to be gone");

      const row = await lab.row("w1");
      assertEquals([row?.state, row?.pid], ["running", meta.pid]);
      assert(await processAlive(meta.pid), `worker pid ${meta.pid} exists`);
      assert(await processAlive(meta.host_pid), `host pid ${meta.host_pid} exists`);
      // From source the host runs with the background flags and no Deno update check, as does
      // the worker's $LOOOP_BIN (sys/permissions.ts).
      await assertBackgroundLaunch(meta.host_pid, "host");
      const launcher = await Deno.readTextFile(`${lab.dir}/bin/looop`);
      for (const [k, v] of Object.entries(SELF_ENV)) {
        assert(launcher.includes(`\n${k}=${shellQuote(v)} exec `), `${k}=${v} in the launcher:\n${launcher}`);
      }
      // Not merely present: still working after the kill.
      const beat = Number(await lab.marker("beat"));
      await eventually(
        async () => Number(await Deno.readTextFile(lab.out("beat")).catch(() => "0")) > beat,
        "the worker's heartbeat to move on after the starter's group was killed",
      );

      const k = await lab.run(["_", "kill", "w1"]);
      assertEquals([k.code, k.stdout], [0, "killed w1\n"], k.stderr);
      await groupGone(meta.pid, "the worker's process group to be gone");
      assertEquals((await lab.row("w1"))?.state, "killed");
    } finally {
      killQuietly(-wrapper.pid);
      await wrapper.status;
    }
  });
});

Deno.test("a worker's `_ ask` blocks until `_ answer`; output.log, exit.json, meta and prompt.md record it", async () => {
  await withLab(async (lab) => {
    const brief = "Deploy the thing.\nCarefully.";
    const meta = await lab.start(
      "w1",
      [
        'echo "before the ask"',
        'a=$("$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "deploy?")',
        'echo "answer:$a"',
        'mark answer "$a"',
        "exit 7",
      ].join("\n"),
      brief,
    );
    assertEquals([meta.id, meta.state, meta.runner], ["w1", "running", "fake"]);
    const journal = (await Deno.readTextFile(`${lab.dir}/journal.md`)).trimEnd().split("\n");
    assertEquals(journal.length, 1);
    assertMatch(journal[0], JOURNAL_LINE);
    assertMatch(journal[0], new RegExp(`start_worker w1 \\(pid ${meta.pid}\\)`));

    const asks = await eventually(async () => {
      const r = await lab.run(["_", "asks", "--json"]);
      const list = JSON.parse(r.stdout) as { id: string; worker: string; prompt: string }[];
      return list.length ? list : undefined;
    }, "the worker's ask to be pending");
    assertEquals(asks.map((a) => [a.id, a.worker, a.prompt]), [["w1-1", "w1", "deploy?"]]);
    await eventually(async () => (await output(lab, "w1")).includes("before the ask"), "the output before the ask");
    // Blocked on the ask: still running, nothing printed past it.
    assertEquals((await lab.row("w1"))?.state, "running");
    assert(!(await output(lab, "w1")).includes("answer:"), "the worker did not go past its ask");

    const a = await lab.run(["_", "answer", "w1-1", "yes"]);
    assertEquals([a.code, a.stdout], [0, "answered w1-1\n"], a.stderr);
    const row = await eventually(async () => {
      const r = await lab.row("w1");
      return r?.state !== "running" ? r : undefined;
    }, "the worker to end");
    assertEquals([row.state, row.exit_code, row.pid, row.runner], ["exited", 7, meta.pid, "fake"]);

    assertEquals(await lab.marker("answer"), "yes");
    assertMatch(await output(lab, "w1"), /^before the ask\r*\nanswer:yes\r*\n$/);
    const exit = JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/w1/exit.json`));
    assertEquals([exit.code, exit.signal], [7, null]);
    assert(!Number.isNaN(Date.parse(exit.ts)), `exit.json ts: ${exit.ts}`);
    assertEquals((await lab.meta("w1")).state, "exited");
    const prompt = await Deno.readTextFile(`${lab.dir}/sessions/w1/prompt.md`);
    assert(prompt.startsWith(workerContract("w1")), "prompt.md starts with the worker contract");
    assert(prompt.endsWith(`\n${brief}\n`), `prompt.md ends with the brief: ${JSON.stringify(prompt.slice(-80))}`);
    assertEquals(JSON.parse((await lab.run(["_", "asks", "--json"])).stdout), []);
  });
});

Deno.test("`_ kill` ends a worker and everything it started, even what ignores SIGTERM", async () => {
  await withLab(async (lab) => {
    const plain = await lab.start("w1", "sleep 1000 &\nmark child $!\nwait");
    const stubborn = await lab.start("w2", "trap '' TERM\nsleep 1000 &\nmark child2 $!\nwait");
    const children = [Number(await lab.marker("child")), Number(await lab.marker("child2"))];
    for (const [m, child] of [[plain, children[0]], [stubborn, children[1]]] as const) {
      assertEquals((await processAlive(child))?.pgid, m.pid, "the worker's child is in the worker's group");
    }

    const [k1, k2] = await Promise.all([lab.run(["_", "kill", "w1"]), lab.run(["_", "kill", "w2"])]);
    assertEquals([k1.code, k1.stdout], [0, "killed w1\n"], k1.stderr);
    assertEquals([k2.code, k2.stdout], [0, "killed w2 (SIGKILL after the grace period)\n"], k2.stderr);
    for (const m of [plain, stubborn]) {
      await groupGone(m.pid, `nothing left of ${m.id}'s process group`);
      await eventually(async () => !(await processAlive(m.host_pid)), `${m.id}'s host to end`, 5000);
    }
    for (const child of children) assertEquals(await processAlive(child), undefined, `child ${child} is gone`);
    const rows = await lab.sessions();
    assertEquals(rows.map((r) => [r.id, r.state, r.exit_code]), [["w1", "killed", null], ["w2", "killed", null]]);
    for (const id of ["w1", "w2"]) {
      assertEquals((await lab.meta(id)).state, "killed");
      JSON.parse(await Deno.readTextFile(`${lab.dir}/sessions/${id}/exit.json`));
    }
    const again = await lab.run(["_", "kill", "w1"]);
    assertEquals([again.code, again.stdout], [0, "w1 had already ended (killed)\n"], again.stderr);
  });
});

Deno.test("a session whose host was SIGKILLed is dead at the next `_ sessions`", async () => {
  await withLab(async (lab) => {
    const m = await lab.start("w1", "exec sleep 1000");
    assertEquals((await lab.row("w1"))?.state, "running");
    Deno.kill(m.host_pid, "SIGKILL");
    await eventually(async () => !(await processAlive(m.host_pid)), "the SIGKILLed host to be gone");
    const row = await lab.row("w1");
    assertEquals([row?.state, row?.exit_code], ["dead", null]);
    // The worker either died of the hang-up when its terminal went, or `_ kill` ends it.
    const k = await lab.run(["_", "kill", "w1"]);
    assertEquals(k.code, 0, k.stderr);
    assertMatch(k.stdout, /^(w1 had already ended \(dead\)|killed w1.*)\n$/);
    await groupGone(m.pid, "the host-less worker's group to be gone");
  });
});

Deno.test("`_ kill` ends a worker that outlived its SIGKILLed host by ignoring the hang-up", async () => {
  await withLab(async (lab) => {
    const m = await lab.start("w1", 'trap "" HUP\nexec sleep 1000');
    Deno.kill(m.host_pid, "SIGKILL");
    await eventually(async () => !(await processAlive(m.host_pid)), "the SIGKILLed host to be gone");
    assertEquals((await lab.row("w1"))?.state, "dead");
    assert(await processAlive(m.pid), "the worker ignored SIGHUP and is still there");
    const k = await lab.run(["_", "kill", "w1"]);
    assertEquals([k.code, k.stdout.startsWith("killed w1")], [0, true], k.stdout + k.stderr);
    await groupGone(m.pid, "the orphaned worker's group to be gone");
    assertEquals((await lab.row("w1"))?.state, "killed");
  });
});

Deno.test("`_ tell` types a line into a worker that reads its terminal", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "0"; // typed at the host's next look (tells_test.ts: the grace itself)
    await lab.start("w1", 'read -r line\nmark told "got:$line"');
    const text = `hello 'world' "$HOME" ; exit 3`;
    const t = await lab.run(["_", "tell", "w1", text]);
    assertEquals([t.code, t.stdout], [0, "told w1\n"], t.stderr);
    assertEquals(await lab.marker("told", "the worker to read the told line"), `got:${text}`);
    const row = await eventually(async () => {
      const r = await lab.row("w1");
      return r?.state !== "running" ? r : undefined;
    }, "the worker to end");
    assertEquals([row.state, row.exit_code], ["exited", 0]);
    const late = await lab.run(["_", "tell", "w1", "too late"]);
    assertEquals([late.code, late.stderr], [1, "looop: worker 'w1' is not running — see `looop _ sessions`\n"]);
  });
});

Deno.test("a worker's very first output reaches output.log", async () => {
  await withLab(async (lab) => {
    // The host once opened the log only after the terminal started, and dropped what came first.
    for (const id of ["w1", "w2", "w3", "w4", "w5", "w6"]) {
      const m = await lab.start(id, `echo "first from ${id}"\nexec sleep 1000`);
      await eventually(
        async () => (await output(lab, id)).startsWith(`first from ${id}`),
        `${id}'s first line in output.log`,
        5000,
      );
      const k = await lab.run(["_", "kill", id]);
      assertEquals(k.code, 0, k.stderr);
      await groupGone(m.pid, `${id}'s process group to be gone`);
    }
  });
});

Deno.test("a worker does not inherit the sandbox's TMPDIR for sensors, but keeps the user's own", async () => {
  await withLab(async (lab) => {
    const body = `echo "tmp=[\${CLAUDE_CODE_TMPDIR:-unset}]" > ${quote(lab.out("tmp"))}\nexec sleep 1000`;
    // As in a pulse whose sandbox set it: the data dir's scratch/tmp is dropped.
    await lab.script("w1", body);
    let r = await lab.run(["_", "worker", "start", "w1", "b"], {
      env: { CLAUDE_CODE_TMPDIR: `${lab.dir}/scratch/tmp` },
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await lab.marker("tmp"), "tmp=[unset]");
    await lab.run(["_", "kill", "w1"]);
    // The user's own setting stays.
    await Deno.remove(lab.out("tmp"));
    await lab.script("w2", body);
    r = await lab.run(["_", "worker", "start", "w2", "b"], { env: { CLAUDE_CODE_TMPDIR: "/var/tmp/mine" } });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await lab.marker("tmp"), "tmp=[/var/tmp/mine]");
    await lab.run(["_", "kill", "w2"]);
  });
});

Deno.test("a worker that ends itself with `_ kill` is done, not killed by a human; `_ kill` from outside is killed", async () => {
  await withLab(async (lab) => {
    await lab.start("self", 'echo working; "$LOOOP_BIN" _ kill; sleep 600');
    await lab.start("other", "sleep 600");
    const row = await eventually(async () => {
      const r = await lab.row("self");
      return r?.state !== "running" ? r : undefined;
    }, "the worker to end itself");
    assertEquals([row.state, row.exit_code], ["done", null]);
    assertEquals((await lab.meta("self")).state, "done");
    assertEquals((await lab.run(["_", "kill", "other"])).code, 0);
    assertEquals((await lab.row("other"))?.state, "killed");
    const beat = await lab.run(["_", "beat"]);
    assert(beat.code === 0 || beat.code === 1, beat.stderr);
    const journal = await Deno.readTextFile(`${lab.dir}/journal.md`);
    assertMatch(journal, /worker self done\n/);
    assertMatch(journal, /worker other killed\n/);
  });
});

Deno.test("a worker whose CLI exits within seconds (no API key) leaves its screen's last lines in _ sessions and the journal", async () => {
  await withLab(async (lab) => {
    await lab.start(
      "early",
      'printf "\\033[2J\\033[Hstarting up\\n"; echo "Error: ANTHROPIC_API_KEY is not set"; exit 1',
    );
    const row = await eventually(async () => {
      const r = await lab.row("early");
      return r?.state === "exited" ? r : undefined;
    }, "the worker to exit");
    assertEquals(row.exit_code, 1);
    assertEquals((row as unknown as { last_lines: string[] }).last_lines, [
      "starting up",
      "Error: ANTHROPIC_API_KEY is not set",
    ]);
    const text = await lab.run(["_", "sessions"]);
    assertMatch(
      text.stdout,
      /^early +exited .* exit 1\n {4}\| starting up\n {4}\| Error: ANTHROPIC_API_KEY is not set$/m,
    );
    await lab.run(["_", "beat"]);
    const journal = await Deno.readTextFile(`${lab.dir}/journal.md`);
    assertMatch(
      journal,
      /worker early exited 1, soon after its start; its screen: starting up \| Error: ANTHROPIC_API_KEY is not set\n/,
    );
    // A worker killed from outside has no such lines.
    await lab.start("long", "sleep 600");
    assertEquals((await lab.run(["_", "kill", "long"])).code, 0);
    assertEquals((await lab.row("long") as unknown as { last_lines: unknown }).last_lines, null);
  });
});
