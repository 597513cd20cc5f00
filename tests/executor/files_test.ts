/** The gated executor for file moves (SPEC §5 step 9, §7): gate, write, journal, stamp goal activity. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type ExecContext, executeFileMove, type MoveOutcome } from "../../src/executor/files.ts";
import type { FileMove } from "../../src/core/moves.ts";
import { type DataDir, layout } from "../../src/store/layout.ts";
import { ensureDataDir } from "../../src/store/seed.ts";
import { playbookHistory, utcStamp } from "../../src/store/playbook_history.ts";
import { listSchedules } from "../../src/store/schedules.ts";

const NOW = new Date(2024, 0, 15, 9, 5); // local time: the journal prints local minutes
const STAMP = "- 2024-01-15 09:05";

/** A fresh, seeded data dir in a real temp dir, removed afterwards. */
async function withDataDir(fn: (dd: DataDir) => Promise<void>): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "looop-executor-test-" });
  try {
    await fn(await ensureDataDir(layout(`${base}/data`)));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const ctxFor = (dd: DataDir, maxBodyBytes = 1024): ExecContext => ({
  dd,
  now: NOW,
  limits: { maxBodyBytes },
  via: "(by hand)",
  // The sandbox of a machine with one (its verdict is tested with the real sandbox in tests/confine).
  screen: { sandbox: { kind: "on" }, irreversible: [], allowNet: [], passEnv: [] },
});

const readOr = (path: string) => Deno.readTextFile(path).catch(() => undefined);
const modeOf = (path: string) => (Deno.statSync(path).mode ?? 0) & 0o777;

/** Every file under `dir` with its content and mode: a picture of the data dir to compare before and after. */
function snapshot(dir: string, out: Record<string, string> = {}, prefix = ""): Record<string, string> {
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) snapshot(path, out, `${prefix}${e.name}/`);
    else out[`${prefix}${e.name}`] = `${modeOf(path).toString(8)} ${Deno.readTextFileSync(path)}`;
  }
  return out;
}

function done(outcome: MoveOutcome): string {
  if (outcome.kind !== "done") throw new Error(`expected done, got refused: ${outcome.refusal.reason}`);
  return outcome.journal;
}

Deno.test("noop writes only its journal line: the summary and ctx.via", async () => {
  await withDataDir(async (dd) => {
    const before = snapshot(dd.root);
    const journal = done(await executeFileMove({ action: "noop", reason: "quiet world" }, ctxFor(dd)));
    assertEquals(journal, `${STAMP} noop: quiet world (by hand)`);
    assertEquals(await Deno.readTextFile(dd.journal), `${journal}\n`);
    assertEquals(snapshot(dd.root), { ...before, "journal.md": `644 ${journal}\n` });
  });
});

Deno.test("the move's journal text replaces the summary, folded to one line", async () => {
  await withDataDir(async (dd) => {
    const journal = done(
      await executeFileMove({ action: "noop", reason: "r", journal: "  looop is set up.\nTell it about your work. " }, {
        ...ctxFor(dd),
      }),
    );
    assertEquals(journal, `${STAMP} looop is set up. Tell it about your work.`);
    // A blank journal falls back to the summary.
    const fallback = done(await executeFileMove({ action: "noop", reason: "r", journal: "  " }, ctxFor(dd)));
    assertEquals(fallback, `${STAMP} noop: r (by hand)`);
    // Without ctx.via the summary stands alone.
    const bare = done(await executeFileMove({ action: "noop", reason: "r" }, { ...ctxFor(dd), via: undefined }));
    assertEquals(bare, `${STAMP} noop: r`);
    assertEquals((await Deno.readTextFile(dd.journal)).split("\n"), [journal, fallback, bare, ""]);
  });
});

Deno.test("write_goal writes goals/<id>.md with a trailing newline and stamps goal activity", async () => {
  await withDataDir(async (dd) => {
    const journal = done(await executeFileMove({ action: "write_goal", id: "ship", body: "# Ship it" }, ctxFor(dd)));
    assertEquals(journal, `${STAMP} write_goal ship (by hand)`);
    assertEquals(await Deno.readTextFile(dd.goal("ship")), "# Ship it\n");
    done(await executeFileMove({ action: "write_goal", id: "ship", body: "# Ship it now\n" }, ctxFor(dd)));
    assertEquals(await Deno.readTextFile(dd.goal("ship")), "# Ship it now\n", "an existing newline is not doubled");
    assertEquals(JSON.parse(await Deno.readTextFile(dd.goalActivity)), { ship: NOW.toISOString() });
    assertEquals((await Deno.readTextFile(dd.journal)).trimEnd().split("\n").length, 2);
  });
});

Deno.test("archive_goal moves the goal to goals/archive/ and stamps its activity", async () => {
  await withDataDir(async (dd) => {
    const text = await Deno.readTextFile(dd.goal("setup"));
    const journal = done(await executeFileMove({ action: "archive_goal", id: "setup", journal: "set up" }, ctxFor(dd)));
    assertEquals(journal, `${STAMP} set up`);
    assertEquals(await readOr(dd.goal("setup")), undefined);
    assertEquals(await Deno.readTextFile(dd.archivedGoal("setup")), text);
    assertEquals(JSON.parse(await Deno.readTextFile(dd.goalActivity)), { setup: NOW.toISOString() });
  });
});

Deno.test("archiving the same id twice keeps the earlier archived copy under a time-stamped name", async () => {
  await withDataDir(async (dd) => {
    done(await executeFileMove({ action: "write_goal", id: "g", body: "first" }, ctxFor(dd)));
    done(await executeFileMove({ action: "archive_goal", id: "g" }, ctxFor(dd)));
    done(await executeFileMove({ action: "write_goal", id: "g", body: "second" }, ctxFor(dd)));
    done(await executeFileMove({ action: "archive_goal", id: "g" }, ctxFor(dd)));
    assertEquals(await Deno.readTextFile(dd.archivedGoal("g")), "second\n");
    const older = [...Deno.readDirSync(dd.archiveDir)].map((e) => e.name).filter((n) =>
      n.startsWith("g.") && n !== "g.md"
    );
    assertEquals(older.length, 1, older.join(","));
    assertEquals(await Deno.readTextFile(`${dd.archiveDir}/${older[0]}`), "first\n");
  });
});

Deno.test("archive_goal of a missing goal is refused with rule state, and nothing is written", async () => {
  await withDataDir(async (dd) => {
    const before = snapshot(dd.root);
    const outcome = await executeFileMove({ action: "archive_goal", id: "nope" }, ctxFor(dd));
    assertEquals(outcome, {
      kind: "refused",
      refusal: {
        rule: "state",
        reason: "no goal 'nope' in goals/",
        code: 1,
        fix: "see `looop _ state` for what exists",
      },
    });
    assertEquals(snapshot(dd.root), before);
  });
});

Deno.test("write_sensor writes sensors/<name>.sh, executable (0755), with a trailing newline", async () => {
  await withDataDir(async (dd) => {
    const script = "#!/bin/sh\necho '{\"n\":1}'";
    const journal = done(await executeFileMove({ action: "write_sensor", name: "ci", script }, ctxFor(dd)));
    assertEquals(journal, `${STAMP} write_sensor ci (by hand)`);
    assertEquals(await Deno.readTextFile(dd.sensor("ci")), `${script}\n`);
    assertEquals(modeOf(dd.sensor("ci")), 0o755);
    assertEquals(await readOr(dd.goalActivity), undefined, "a sensor is not a goal");
  });
});

Deno.test("write_playbook replaces PLAYBOOK.md, keeping the one it replaced in playbook.d/", async () => {
  await withDataDir(async (dd) => {
    const seeded = await Deno.readTextFile(dd.playbook);
    assertMatch(seeded, /^# PLAYBOOK/);
    const before = snapshot(dd.root);
    const journal = done(await executeFileMove({ action: "write_playbook", body: "# Mine\n\n1. ship" }, ctxFor(dd)));
    assertEquals(journal, `${STAMP} write_playbook (by hand)`);
    assertEquals(await Deno.readTextFile(dd.playbook), "# Mine\n\n1. ship\n");
    assertEquals(await readOr(dd.goalActivity), undefined);
    const kept = `playbook.d/${utcStamp(NOW)}.md`;
    assertEquals(snapshot(dd.root), {
      ...before,
      "PLAYBOOK.md": "644 # Mine\n\n1. ship\n",
      "journal.md": `644 ${journal}\n`,
      [kept]: `644 ${seeded}`,
    });
  });
});

Deno.test("write_playbook keeps ctx.playbookKeep earlier PLAYBOOKs, 20 when the context names none", async () => {
  await withDataDir(async (dd) => {
    const write = (body: string, playbookKeep?: number) =>
      executeFileMove({ action: "write_playbook", body }, { ...ctxFor(dd), playbookKeep }).then(done);
    for (let i = 1; i <= 22; i++) await write(`v${i}`);
    const kept = await playbookHistory(dd);
    assertEquals(kept.length, 20);
    assertEquals([kept[0].text, kept[19].text], ["v21\n", "v2\n"], "newest first; the oldest went");
    await write("v23", 2);
    assertEquals((await playbookHistory(dd)).map((v) => v.text), ["v22\n", "v21\n"]);
  });
});

Deno.test("an unsafe id is refused with rule id and NOTHING is written", async () => {
  await withDataDir(async (dd) => {
    const before = snapshot(dd.root);
    const moves: FileMove[] = [
      { action: "write_goal", id: "../escape", body: "x" },
      { action: "write_goal", id: ".hidden", body: "x" },
      { action: "archive_goal", id: "a/b" },
      { action: "write_sensor", name: "../../bin/evil", script: "x" },
      { action: "write_sensor", name: "x".repeat(65), script: "x" },
      { action: "write_schedule", name: "../escape", in_s: 60 },
      { action: "drop_schedule", name: "../goals/setup" },
    ];
    for (const move of moves) {
      const outcome = await executeFileMove(move, ctxFor(dd));
      assert(outcome.kind === "refused", `${JSON.stringify(move)} was not refused`);
      assertEquals(outcome.refusal.rule, "id");
    }
    assertEquals(snapshot(dd.root), before);
    assertEquals(await readOr(`${dd.root}/escape.md`), undefined);
  });
});

Deno.test("an oversized body or script is refused with rule size and NOTHING is written", async () => {
  await withDataDir(async (dd) => {
    const before = snapshot(dd.root);
    const cap = 64;
    const moves: FileMove[] = [
      { action: "write_goal", id: "big", body: "x".repeat(cap + 1) },
      { action: "write_goal", id: "big", body: "é".repeat(cap / 2 + 1) }, // 66 bytes in 33 characters
      { action: "write_sensor", name: "big", script: "x".repeat(cap + 1), journal: "should not appear" },
      { action: "write_playbook", body: "x".repeat(cap + 1) },
    ];
    for (const move of moves) {
      const outcome = await executeFileMove(move, ctxFor(dd, cap));
      assert(outcome.kind === "refused", `${move.action} was not refused`);
      assertEquals(outcome.refusal.rule, "size");
    }
    assertEquals(snapshot(dd.root), before);
    // Exactly at the cap is fine.
    done(await executeFileMove({ action: "write_goal", id: "big", body: "x".repeat(cap) }, ctxFor(dd, cap)));
    assertEquals(await Deno.readTextFile(dd.goal("big")), "x".repeat(cap) + "\n");
  });
});

Deno.test("write_schedule writes schedules/<name>.json from now; a second write replaces it; drop_schedule removes it", async () => {
  await withDataDir(async (dd) => {
    const journal = done(
      await executeFileMove({ action: "write_schedule", name: "ping", in_s: 90, note: "ping the team" }, ctxFor(dd)),
    );
    assertEquals(journal, `${STAMP} write_schedule ping (in 90s) (by hand)`);
    const due = new Date(NOW.getTime() + 90_000).toISOString();
    assertEquals(JSON.parse(await Deno.readTextFile(dd.schedule("ping"))), {
      name: "ping",
      note: "ping the team",
      created: NOW.toISOString(),
      kind: "once",
      due,
    });
    done(await executeFileMove({ action: "write_schedule", name: "ping", every_s: 3600 }, ctxFor(dd)));
    assertEquals(await listSchedules(dd), [{
      name: "ping",
      schedule: {
        name: "ping",
        note: "",
        created: NOW.toISOString(),
        kind: "every",
        every_s: 3600,
        anchor: NOW.toISOString(),
      },
    }]);
    assertEquals(await readOr(dd.goalActivity), undefined, "a schedule is not a goal");
    const dropped = done(await executeFileMove({ action: "drop_schedule", name: "ping" }, ctxFor(dd)));
    assertEquals(dropped, `${STAMP} drop_schedule ping (by hand)`);
    assertEquals(await readOr(dd.schedule("ping")), undefined);
  });
});

Deno.test("drop_schedule of a missing schedule is refused with rule state, and nothing is written", async () => {
  await withDataDir(async (dd) => {
    const before = snapshot(dd.root);
    const outcome = await executeFileMove({ action: "drop_schedule", name: "nope" }, ctxFor(dd));
    assertEquals(outcome.kind === "refused" ? outcome.refusal.reason : outcome, "no schedule 'nope' in schedules/");
    assertEquals(snapshot(dd.root), before);
  });
});

Deno.test("a corrupt schedule file is listed as corrupt (why), never a crash; a link or a dotfile there is never read", async () => {
  await withDataDir(async (dd) => {
    done(await executeFileMove({ action: "write_schedule", name: "good", in_s: 60 }, ctxFor(dd)));
    await Deno.writeTextFile(`${dd.schedulesDir}/torn.json`, '{"name":"torn","kind":"once"');
    await Deno.writeTextFile(
      `${dd.schedulesDir}/short.json`,
      JSON.stringify({ name: "short", kind: "every", every_s: 5 }),
    );
    await Deno.writeTextFile(
      `${dd.schedulesDir}/other.json`,
      await Deno.readTextFile(dd.schedule("good")),
    );
    const secret = `${dd.root}/../secret.json`;
    await Deno.writeTextFile(secret, await Deno.readTextFile(dd.schedule("good")));
    await Deno.symlink(secret, `${dd.schedulesDir}/linked.json`);
    await Deno.writeTextFile(`${dd.schedulesDir}/.hidden.json`, "{}");
    const entries = await listSchedules(dd);
    assertEquals(entries.map((e) => [e.name, "schedule" in e ? "parsed" : "corrupt"]), [
      ["good", "parsed"],
      ["other", "corrupt"],
      ["short", "corrupt"],
      ["torn", "corrupt"],
    ]);
    const why = Object.fromEntries(entries.map((e) => [e.name, "corrupt" in e ? e.corrupt : ""]));
    assertMatch(why.other, /its name is "good", not its file's name/);
    assertMatch(why.short, /every_s|note|created|anchor/);
    assertMatch(why.torn, /JSON/);
  });
});
