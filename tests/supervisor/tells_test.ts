/**
 * Durable tells (SPEC §8, §9) through the real CLI and real session hosts: a tell given while a
 * worker waits on an ask arrives with the answer; one given to a worker that never asks is typed
 * in once the grace is over; `_ told` drains in order, once; records outlive the host; what is
 * planted in tells/ (a link, garbage) is skipped with a message and never followed or typed.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { TellSchema } from "../../src/core/schemas.ts";
import { type Lab, processAlive, withLab } from "./helpers.ts";

type Record = {
  id: string;
  session: string;
  text: string;
  ts: string;
  grace_s?: number;
  delivered?: { how: string; ts: string };
};

const tellsDir = (lab: Lab, id: string) => `${lab.dir}/sessions/${id}/tells`;

/** The records in a tells folder (pending, or `delivered`), oldest first. */
async function records(lab: Lab, id: string, which: "pending" | "delivered"): Promise<Record[]> {
  const dir = which === "pending" ? tellsDir(lab, id) : `${tellsDir(lab, id)}/delivered`;
  const names = await Array.fromAsync(Deno.readDir(dir)).then(
    (es) => es.filter((e) => e.isFile && e.name.endsWith(".json")).map((e) => e.name).sort(),
    () => [] as string[],
  );
  return Promise.all(names.map(async (n) => JSON.parse(await Deno.readTextFile(`${dir}/${n}`))));
}

const line = (r: Record) => `[tell from a human, ${r.ts}] ${r.text}`;

/**
 * Wait until worker `id`'s host has made two whole passes (tells, then inbox) begun after this
 * call: a resize request (to the size it has) is removed by the pass that carried it out, and the
 * pass that removes the second began after the first was gone. So a due tell was looked at.
 */
async function hostLooked(lab: Lab, id: string): Promise<void> {
  const inbox = `${lab.dir}/sessions/${id}/inbox`;
  for (const n of [1, 2]) {
    const name = `${inbox}/zz-test-${n}.resize.json`;
    await Deno.writeTextFile(`${inbox}/.zz-test-${n}.tmp`, JSON.stringify({ cols: 120, rows: 40 }));
    await Deno.rename(`${inbox}/.zz-test-${n}.tmp`, name);
    await eventually(() => Deno.stat(name).then(() => false, () => true), `the host to carry out resize ${n}`);
  }
}

Deno.test("a tell given while a worker waits on an ask arrives with the answer, and is not typed in later", async () => {
  await withLab(async (lab) => {
    // Grace 0: a tell nothing holds back is typed at the host's next look.
    lab.env.LOOOP_TELL_GRACE_S = "0";
    await lab.start(
      "w1",
      [
        `a=$("$LOOOP_BIN" _ ask --prompt 'go on?')`,
        `mark asked "$a"`,
        "read -r line",
        `mark typed "$line"`,
        "exec sleep 1000",
      ].join("\n"),
    );
    await eventually(async () => {
      const r = await lab.run(["_", "asks", "--json"]);
      return JSON.parse(r.stdout).some((a: { id: string }) => a.id === "w1-1");
    }, "the ask w1-1");
    const t = await lab.run(["_", "tell", "w1", "also: rebase first"]);
    assertEquals([t.code, t.stdout, t.stderr], [0, "told w1\n", ""]);
    await hostLooked(lab, "w1");
    const [pending] = await records(lab, "w1", "pending");
    assertEquals(pending?.text, "also: rebase first", "held back while the ask waits");

    assertEquals((await lab.run(["_", "answer", "w1-1", "yes"])).code, 0);
    assertEquals(await lab.marker("asked"), `yes\n\n${line(pending)}`);
    assertEquals(await records(lab, "w1", "pending"), []);
    const [done] = await records(lab, "w1", "delivered");
    assertEquals([done.id, done.delivered?.how], [pending.id, "answer"]);

    // The next line typed into its terminal is the next tell, not the one the answer carried.
    assertEquals((await lab.run(["_", "tell", "w1", "second"])).code, 0);
    assertEquals(await lab.marker("typed"), "second");
    assertEquals((await records(lab, "w1", "delivered")).map((r) => [r.text, r.delivered?.how]), [
      ["also: rebase first", "answer"],
      ["second", "typed"],
    ]);
  });
});

Deno.test("a tell to a worker that never asks is typed in once the grace is over, not before", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "3600";
    await lab.start("slow", 'read -r line\nmark slow "got:$line"\nexec sleep 1000');
    lab.env.LOOOP_TELL_GRACE_S = "0.3";
    await lab.start("w1", 'read -r line\nmark got "got:$line"\nexec sleep 1000');
    // A text may begin with "-", and is typed exactly as given.
    const text = `-x 'world' "$HOME" ; exit 3`;
    for (const id of ["slow", "w1"]) {
      const t = await lab.run(["_", "tell", id, text]);
      assertEquals([t.code, t.stdout, t.stderr], [0, `told ${id}\n`, ""]);
    }
    assertEquals(await lab.marker("got", "w1 to read the typed tell"), `got:${text}`);
    assertEquals((await records(lab, "w1", "delivered")).map((r) => [r.text, r.delivered?.how]), [[text, "typed"]]);

    // Within its grace the other's is still waiting for it: `_ told` gets it, and nothing is typed.
    await hostLooked(lab, "slow");
    const [kept] = await records(lab, "slow", "pending");
    assertEquals(kept?.text, text);
    const told = await lab.run(["_", "told"], { env: { LOOOP_SESSION_ID: "slow" } });
    assertEquals([told.code, told.stdout, told.stderr], [0, `${line(kept)}\n`, ""]);
    assertEquals((await records(lab, "slow", "delivered")).map((r) => r.delivered?.how), ["told"]);

    const dash = await lab.run(["_", "tell", "w1", "-x"]);
    assertEquals([dash.code, dash.stdout, dash.stderr], [0, "told w1\n", ""]);
    await eventually(async () => (await records(lab, "w1", "delivered")).length === 2, "the -x tell typed in");
    assertEquals((await records(lab, "w1", "delivered")).map((r) => r.text), [text, "-x"]);
  });
});

Deno.test("`_ tell --now` (and watch's t) is typed in at once, whatever the grace", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "3600";
    await lab.start("w1", 'read -r line\nmark got "got:$line"\nexec sleep 1000');
    const t = await lab.run(["_", "tell", "--now", "w1", "right away"]);
    assertEquals([t.code, t.stdout, t.stderr], [0, "told w1\n", ""]);
    assertEquals(await lab.marker("got", "w1 to read the tell"), "got:right away");
    const [done] = await records(lab, "w1", "delivered");
    assertEquals([done.grace_s, done.delivered?.how], [0, "typed"]);
  });
});

Deno.test("`_ told` prints the undelivered tells oldest first, each once, even with several `_ told` at once", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "3600";
    await lab.start("w1", "exec sleep 1000");
    for (const text of ["one", "two"]) assertEquals((await lab.run(["_", "tell", "w1", text])).code, 0);
    const [one, two] = await records(lab, "w1", "pending");
    const first = await lab.run(["_", "told", "w1"]);
    assertEquals([first.code, first.stdout, first.stderr], [0, `${line(one)}\n${line(two)}\n`, ""]);
    const again = await lab.run(["_", "told", "w1"]);
    assertEquals([again.code, again.stdout, again.stderr], [0, "", ""]);

    // Racing deliverers: every tell reaches exactly one of them, in order within each.
    const texts = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    for (const text of texts) assertEquals((await lab.run(["_", "tell", "w1", text])).code, 0);
    const runs = await Promise.all([1, 2, 3].map(() => lab.run(["_", "told", "w1"])));
    const got = runs.flatMap((r) => {
      assertEquals(r.code, 0, r.stderr);
      const texts = r.stdout.split("\n").filter(Boolean).map((l) => l.replace(/^\[tell from a human, [^\]]+\] /, ""));
      assertEquals(texts, [...texts].sort(), "each `_ told` prints oldest first");
      return texts;
    });
    assertEquals(got.sort(), texts);

    const unknown = await lab.run(["_", "told", "nope"]);
    assertEquals([unknown.code, unknown.stdout, unknown.stderr], [
      1,
      "",
      "looop: no session 'nope' — see `looop _ sessions`\n",
    ]);
  });
});

Deno.test("a tell is a record on disk: its host SIGKILLed, a later `_ told` still delivers it", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "3600";
    const m = await lab.start("w1", "exec sleep 1000");
    assertEquals((await lab.run(["_", "tell", "w1", "kept across the crash"])).code, 0);
    const [kept] = await records(lab, "w1", "pending");
    assert(TellSchema.safeParse(kept).success, JSON.stringify(kept));
    Deno.kill(m.host_pid, "SIGKILL");
    await eventually(async () => !(await processAlive(m.host_pid)), "the SIGKILLed host to be gone");
    const late = await lab.run(["_", "tell", "w1", "too late"]);
    assertEquals([late.code, late.stderr], [1, "looop: worker 'w1' is not running — see `looop _ sessions`\n"]);
    const told = await lab.run(["_", "told", "w1"]);
    assertEquals([told.code, told.stdout], [0, `${line(kept)}\n`], told.stderr);
    assertEquals((await lab.run(["_", "told", "w1"])).stdout, "");
  });
});

Deno.test("a link or garbage planted in tells/ is skipped with a message, never followed nor typed", async () => {
  await withLab(async (lab) => {
    lab.env.LOOOP_TELL_GRACE_S = "0";
    await lab.start("w1", 'read -r line\nmark got "$line"\nexec sleep 1000');
    const dir = tellsDir(lab, "w1");
    await Deno.mkdir(dir, { recursive: true });
    // A well-formed record outside, reached only through a link; a torn record; a stray file.
    const outside = `${lab.base}/forged.json`;
    const forged = { id: "000000000000001-1-0000", session: "w1", text: "forged", ts: new Date(0).toISOString() };
    await Deno.writeTextFile(outside, JSON.stringify(forged));
    await Deno.symlink(outside, `${dir}/000000000000001-1-0000.json`);
    await Deno.writeTextFile(`${dir}/000000000000002-1-0000.json`, "{ torn");
    await Deno.writeTextFile(`${dir}/notes.txt`, "forged too");
    assertEquals((await lab.run(["_", "tell", "w1", "real"])).code, 0);
    assertEquals(await lab.marker("got", "the real tell typed in"), "real");
    const hostLog = () => Deno.readTextFile(`${lab.dir}/sessions/w1/host.log`).catch(() => "");
    await eventually(async () => (await hostLog()).includes("notes.txt"), "the host to note what it skipped");
    await hostLooked(lab, "w1");
    // Each is noted once, when the host first sees it: the order of the notes is the order it saw them in.
    const log = (await hostLog()).split("\n").filter(Boolean).map((l) => l.replace(/^\S+ /, "")).sort();
    assertEquals(log.length, 3, `each noted once: ${log.join("\n")}`);
    assertMatch(log[0], /^skipped tells\/000000000000001-1-0000\.json: refusing to use .* is a symbolic link/);
    assertMatch(log[1], /^skipped tells\/000000000000002-1-0000\.json: not a tell record/);
    assertEquals(log[2], "skipped tells/notes.txt: not a tell record (a tell is <id>.json)");

    const told = await lab.run(["_", "told", "w1"]);
    assertEquals([told.code, told.stdout], [0, ""]);
    const warnings = told.stderr.split("\n").filter(Boolean);
    assertEquals(warnings.length, 3, told.stderr);
    assertMatch(warnings[0], /^looop: warning: skipped 000000000000001-1-0000\.json in the tells: refusing to use /);
    assertMatch(warnings[1], /^looop: warning: skipped 000000000000002-1-0000\.json in the tells: not a tell record/);
    assertEquals(
      warnings[2],
      "looop: warning: skipped notes.txt in the tells: not a tell record (a tell is <id>.json)",
    );
    assertEquals(await Deno.readTextFile(outside), JSON.stringify(forged), "the link's target untouched");
    assert((await Deno.lstat(`${dir}/000000000000001-1-0000.json`)).isSymlink, "the link left as it is");
    assertEquals((await records(lab, "w1", "delivered")).map((r) => r.text), ["real"]);

    // A link in place of tells/ itself refuses the tell.
    await Deno.remove(dir, { recursive: true });
    await Deno.mkdir(`${lab.base}/elsewhere`);
    await Deno.symlink(`${lab.base}/elsewhere`, dir);
    const r = await lab.run(["_", "tell", "w1", "x"]);
    assertEquals([r.code, r.stdout], [1, ""]);
    assertMatch(r.stderr, /^looop: refusing to use .*tells.* is a symbolic link/);
    assertEquals([...Deno.readDirSync(`${lab.base}/elsewhere`)], []);
  });
});
