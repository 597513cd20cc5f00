/** The mailbox (SPEC §9): asks and answers, claims held by live or dead sessions, and the spend ledger. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { awaitAnswer, deliver, openAsk } from "../../src/mailbox/ask.ts";
import { answerAsk } from "../../src/mailbox/answer.ts";
import { claim, reapStaleClaims, unclaim } from "../../src/mailbox/claims.ts";
import { recordCost } from "../../src/cost/ledger.ts";
import { LooopError } from "../../src/core/errors.ts";
import { type DataDir, layout } from "../../src/store/layout.ts";
import { ensureDataDir } from "../../src/store/seed.ts";
import { openAsks, pendingAsks } from "../../src/store/asks.ts";
import { holdSessionLock, killHolder } from "../helpers.ts";

const NOW = new Date("2024-01-15T10:00:00.000Z");

/** A fresh, seeded data dir in a real temp dir, removed afterwards. */
async function withDataDir(fn: (dd: DataDir) => Promise<void>): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "looop-mailbox-test-" });
  try {
    await fn(await ensureDataDir(layout(`${base}/data`)));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** The LooopError `p` rejects with (fails the test when it resolves or throws something else). */
async function looopError(p: Promise<unknown>): Promise<LooopError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LooopError) return e;
    throw new Error(`expected a LooopError, got ${e}`);
  }
  throw new Error("expected a LooopError, but it succeeded");
}

/** The regular files of `dir` (dotfiles such as the lock file left out), sorted. */
const listDir = (dir: string) =>
  [...Deno.readDirSync(dir)].filter((e) => e.isFile && !e.name.startsWith(".")).map((e) => e.name).sort();

/** A live session for real: a separate process holds its host.lock, as a session host does. */
async function liveSession(dd: DataDir, id: string) {
  const child = await holdSessionLock(dd.root, id);
  return { kill: () => killHolder(child) };
}

// ---- asks and answers ----

Deno.test("openAsk allocates <worker>-1, <worker>-2, … and writes the ask file (mode 0600)", async () => {
  await withDataDir(async (dd) => {
    const a = await openAsk(dd, { worker: "w", prompt: "merge PR 12?" }, NOW);
    const b = await openAsk(dd, { worker: "w", prompt: "deploy?", ref: "reports/x.md", options: ["yes", "no"] }, NOW);
    const c = await openAsk(dd, { worker: "other", prompt: "merge PR 12?" }, NOW);
    assertEquals([a.ask.id, b.ask.id, c.ask.id], ["w-1", "w-2", "other-1"]);
    assertEquals([a.reattached, b.reattached, c.reattached], [false, false, false]);
    assertEquals(JSON.parse(await Deno.readTextFile(dd.ask("w-2"))), {
      id: "w-2",
      worker: "w",
      prompt: "deploy?",
      ref: "reports/x.md",
      options: ["yes", "no"],
      ts: NOW.toISOString(),
    });
    assertEquals((Deno.statSync(dd.ask("w-1")).mode ?? 0) & 0o777, 0o600);
    assertEquals(listDir(dd.asksDir), ["other-1.json", "w-1.json", "w-2.json"]);
  });
});

Deno.test("50 concurrent asks get 50 distinct ids", async () => {
  await withDataDir(async (dd) => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => openAsk(dd, { worker: "w", prompt: `question ${i}` }, NOW)),
    );
    const ids = results.map((r) => r.ask.id);
    assertEquals(new Set(ids).size, 50);
    assertEquals([...ids].sort(), Array.from({ length: 50 }, (_, i) => `w-${i + 1}`).sort());
    assertEquals((await pendingAsks(dd)).length, 50);
  });
});

Deno.test("the same question from the same worker re-attaches to its pending ask", async () => {
  await withDataDir(async (dd) => {
    const first = await openAsk(dd, { worker: "w", prompt: "merge?", options: ["yes", "no"] }, NOW);
    const again = await openAsk(dd, { worker: "w", prompt: "merge?", options: ["yes", "no"] }, new Date());
    assertEquals(again.reattached, true);
    assertEquals(again.ask, first.ask);
    // A different ref or options is a different question.
    const other = await openAsk(dd, { worker: "w", prompt: "merge?", options: ["yes"] }, NOW);
    assertEquals([other.ask.id, other.reattached], ["w-2", false]);
    assertEquals(listDir(dd.asksDir), ["w-1.json", "w-2.json"]);
  });
});

Deno.test("an answered ask not yet delivered re-attaches, and gives its answer at once", async () => {
  await withDataDir(async (dd) => {
    const first = await openAsk(dd, { worker: "w", prompt: "merge?" }, NOW);
    await answerAsk(dd, first.ask.id, "yes", { now: NOW });
    // The `_ ask` that waited was killed before it printed: running it again must not ask twice.
    const again = await openAsk(dd, { worker: "w", prompt: "merge?" }, NOW);
    assertEquals([again.ask.id, again.reattached], ["w-1", true]);
    assertEquals((await awaitAnswer(dd, again.ask, 0)).answer, "yes");
    assertEquals(await pendingAsks(dd), [], "an answered ask is not pending");
  });
});

Deno.test("after delivery the ask is filed under asks/done/, and the same question makes a new ask", async () => {
  await withDataDir(async (dd) => {
    const first = await openAsk(dd, { worker: "w", prompt: "merge?" }, NOW);
    await answerAsk(dd, first.ask.id, "yes", { now: NOW });
    await deliver(dd, first.ask.id);
    await deliver(dd, first.ask.id); // at-least-once delivery may repeat it
    assertEquals(listDir(dd.asksDir), []);
    assertEquals(listDir(dd.asksDoneDir), ["w-1.json"]);
    assertEquals(await openAsks(dd), []);
    const next = await openAsk(dd, { worker: "w", prompt: "merge?" }, NOW);
    assertEquals([next.ask.id, next.reattached], ["w-2", false]);
    // A delivered ask is still known: answering it again is "already answered", not "no ask".
    const e = await looopError(answerAsk(dd, "w-1", "no", { now: NOW }));
    assertEquals(e.code, 1);
    assertMatch(e.message, /already answered/);
  });
});

Deno.test("an empty prompt or an unsafe worker id is refused (exit 2) and nothing is written", async () => {
  await withDataDir(async (dd) => {
    for (const prompt of ["", "  \n "]) {
      const e = await looopError(openAsk(dd, { worker: "w", prompt }, NOW));
      assertEquals(e.code, 2);
      assertMatch(e.message, /empty --prompt/);
    }
    const e = await looopError(openAsk(dd, { worker: "../w", prompt: "q" }, NOW));
    assertEquals(e.code, 2);
    assertMatch(e.message, /refused \(id\): worker id /);
    assertEquals(listDir(dd.asksDir), []);
  });
});

Deno.test("awaitAnswer returns an answer written after it started waiting", async () => {
  await withDataDir(async (dd) => {
    const { ask } = await openAsk(dd, { worker: "w", prompt: "go?" }, NOW);
    let settled = false;
    const waiting = awaitAnswer(dd, ask, 30).finally(() => (settled = true));
    assertEquals(settled, false);
    await answerAsk(dd, ask.id, "go", { now: NOW });
    const answer = await waiting;
    assertEquals(answer, { id: ask.id, answer: "go", ts: NOW.toISOString() });
  });
});

Deno.test("awaitAnswer times out with exit 124 and the ask stays pending", async () => {
  await withDataDir(async (dd) => {
    const { ask } = await openAsk(dd, { worker: "w", prompt: "go?" }, NOW);
    const e = await looopError(awaitAnswer(dd, ask, 0.2, 50));
    assertEquals(e.code, 124);
    assertMatch(e.message, new RegExp(`ask ${ask.id} not answered within 0.2s`));
    assertEquals((await pendingAsks(dd)).map((a) => a.id), [ask.id]);
    assertEquals(listDir(dd.answersDir), []);
  });
});

Deno.test("answerAsk writes {id, answer, ts} (mode 0600)", async () => {
  await withDataDir(async (dd) => {
    const { ask } = await openAsk(dd, { worker: "w", prompt: "go?" }, NOW);
    const answer = await answerAsk(dd, ask.id, "yes, go", { now: NOW });
    assertEquals(answer, { id: ask.id, answer: "yes, go", ts: NOW.toISOString() });
    assertEquals(JSON.parse(await Deno.readTextFile(dd.answer(ask.id))), answer);
    assertEquals((Deno.statSync(dd.answer(ask.id)).mode ?? 0) & 0o777, 0o600);
    assertEquals(await pendingAsks(dd), []);
  });
});

Deno.test("answerAsk: an unknown id exits 1 and lists the pending ids", async () => {
  await withDataDir(async (dd) => {
    const none = await looopError(answerAsk(dd, "w-9", "x", { now: NOW }));
    assertEquals(none.code, 1);
    assertMatch(none.message, /no ask 'w-9'.*no pending asks/);
    await openAsk(dd, { worker: "w", prompt: "first?" }, NOW);
    await openAsk(dd, { worker: "w", prompt: "second?\nmore lines" }, NOW);
    const e = await looopError(answerAsk(dd, "w-9", "x", { now: NOW }));
    assertEquals(e.code, 1);
    assertMatch(e.message, /no ask 'w-9'/);
    assertMatch(e.message, /pending asks: w-1, w-2/);
    assertEquals(e.detail, "w-1\tfirst?\nw-2\tsecond?");
    assertEquals(listDir(dd.answersDir), []);
  });
});

Deno.test("answerAsk: a second answer exits 1 and keeps the first; --force replaces it", async () => {
  await withDataDir(async (dd) => {
    const { ask } = await openAsk(dd, { worker: "w", prompt: "go?" }, NOW);
    await answerAsk(dd, ask.id, "first", { now: NOW });
    const e = await looopError(answerAsk(dd, ask.id, "second", { now: NOW }));
    assertEquals(e.code, 1);
    assertMatch(e.message, /already answered.*--force/);
    assertEquals(JSON.parse(await Deno.readTextFile(dd.answer(ask.id))).answer, "first");
    const later = new Date("2024-01-15T11:00:00.000Z");
    await answerAsk(dd, ask.id, "third", { now: later, force: true });
    assertEquals(JSON.parse(await Deno.readTextFile(dd.answer(ask.id))), {
      id: ask.id,
      answer: "third",
      ts: later.toISOString(),
    });
    assertEquals(listDir(dd.answersDir), [`${ask.id}.json`]);
  });
});

Deno.test("answerAsk enforces the ask's options (exit 2), nothing written on refusal", async () => {
  await withDataDir(async (dd) => {
    const { ask } = await openAsk(dd, { worker: "w", prompt: "merge?", options: ["yes", "no"] }, NOW);
    for (const bad of ["maybe", "Yes", "yes ", ""]) {
      const e = await looopError(answerAsk(dd, ask.id, bad, { now: NOW }));
      assertEquals(e.code, 2);
      assertMatch(e.message, /answer one of: yes, no/);
    }
    const e = await looopError(answerAsk(dd, ask.id, "maybe", { now: NOW, force: true }));
    assertEquals(e.code, 2, "--force does not bypass the options");
    assertEquals(listDir(dd.answersDir), []);
    assertEquals((await answerAsk(dd, ask.id, "no", { now: NOW })).answer, "no");
  });
});

Deno.test("answerAsk refuses an unsafe ask id (exit 2)", async () => {
  await withDataDir(async (dd) => {
    const e = await looopError(answerAsk(dd, "../../etc/passwd", "x", { now: NOW }));
    assertEquals(e.code, 2);
    assertMatch(e.message, /refused \(id\): ask id /);
  });
});

// ---- claims ----

Deno.test("claim: a free claim is taken; the same session again is already-yours", async () => {
  await withDataDir(async (dd) => {
    assertEquals(await claim(dd, "repo", "s1", NOW), { kind: "claimed" });
    assertEquals(JSON.parse(await Deno.readTextFile(dd.claim("repo"))), {
      session: "s1",
      name: "repo",
      ts: NOW.toISOString(),
    });
    assertEquals(await claim(dd, "repo", "s1", new Date()), { kind: "already-yours" });
    assertEquals(JSON.parse(await Deno.readTextFile(dd.claim("repo"))).ts, NOW.toISOString());
  });
});

Deno.test("claim: held by a live session → exit 1 naming the holder; once it dies → taken over", async () => {
  await withDataDir(async (dd) => {
    const holder = await liveSession(dd, "s1");
    try {
      await claim(dd, "repo", "s1", NOW);
      const e = await looopError(claim(dd, "repo", "s2", NOW));
      assertEquals(e.code, 1);
      assertMatch(e.message, /'repo' is claimed by live session s1/);
      assertEquals(JSON.parse(await Deno.readTextFile(dd.claim("repo"))).session, "s1");
    } finally {
      await holder.kill();
    }
    assertEquals(await claim(dd, "repo", "s2", NOW), { kind: "taken-over", from: "s1" });
    assertEquals(JSON.parse(await Deno.readTextFile(dd.claim("repo"))).session, "s2");
  });
});

Deno.test("claim refuses unsafe names and session ids (exit 2) before touching anything", async () => {
  await withDataDir(async (dd) => {
    assertEquals((await looopError(claim(dd, "../x", "s1", NOW))).code, 2);
    assertEquals((await looopError(claim(dd, "x", ".s", NOW))).code, 2);
    assertEquals(listDir(dd.claimsDir), []);
  });
});

Deno.test("unclaim: only the holder releases; not-held when free", async () => {
  await withDataDir(async (dd) => {
    assertEquals(await unclaim(dd, "repo", "s1"), "not-held");
    await claim(dd, "repo", "s1", NOW);
    const e = await looopError(unclaim(dd, "repo", "s2"));
    assertEquals(e.code, 1);
    assertMatch(e.message, /claimed by s1, not s2/);
    assertEquals(await unclaim(dd, "repo", "s1"), "released");
    assertEquals(listDir(dd.claimsDir), []);
  });
});

Deno.test("reapStaleClaims removes only the claims of dead sessions", async () => {
  await withDataDir(async (dd) => {
    const alive = await liveSession(dd, "alive");
    const dying = await liveSession(dd, "dying");
    try {
      await claim(dd, "a", "alive", NOW);
      await claim(dd, "b", "dying", NOW);
      await claim(dd, "c", "never-started", NOW);
      await dying.kill();
      const reaped = await reapStaleClaims(dd);
      assertEquals(reaped.map((c) => c.name).sort(), ["b", "c"]);
      assertEquals(listDir(dd.claimsDir), ["a.json"]);
      assertEquals(await reapStaleClaims(dd), []);
    } finally {
      await dying.kill();
      await alive.kill();
    }
    assertEquals((await reapStaleClaims(dd)).map((c) => c.name), ["a"]);
    assertEquals(listDir(dd.claimsDir), []);
  });
});

// ---- ledger ----

Deno.test("recordCost: zero records nothing", async () => {
  await withDataDir(async (dd) => {
    assertEquals(await recordCost(dd, { kind: "tick", id: "pulse", runner: "pi", usd: 0, now: NOW }), undefined);
    assertEquals(await Deno.stat(dd.ledger).then(() => true, () => false), false);
  });
});

Deno.test("recordCost refuses negative and non-finite amounts, writing nothing", async () => {
  await withDataDir(async (dd) => {
    for (const usd of [-0.01, -1, NaN, Infinity]) {
      const e = await looopError(recordCost(dd, { kind: "session", id: "w", runner: "pi", usd, now: NOW }));
      assertEquals(e.code, 2);
      assertMatch(e.message, /invalid cost record/);
    }
    const e = await looopError(recordCost(dd, { kind: "session", id: "", runner: "pi", usd: 1, now: NOW }));
    assertMatch(e.message, /^refused \(id\): session id "" is empty — /);
    assertEquals(await Deno.stat(dd.ledger).then(() => true, () => false), false);
  });
});

Deno.test("recordCost appends each record as one JSON line", async () => {
  await withDataDir(async (dd) => {
    const first = await recordCost(dd, { kind: "tick", id: "pulse", runner: "pi", usd: 0.0123, now: NOW });
    assertEquals(first, { ts: NOW.toISOString(), kind: "tick", id: "pulse", runner: "pi", cost_usd: 0.0123 });
    await recordCost(dd, { kind: "session", id: "w", runner: "claude", usd: 1.5, now: NOW });
    const lines = (await Deno.readTextFile(dd.ledger)).split("\n");
    assertEquals(lines.length, 3);
    assertEquals(lines[2], "");
    assertEquals(JSON.parse(lines[0]), first);
    assertEquals(JSON.parse(lines[1]).cost_usd, 1.5);
  });
});

Deno.test("a worker with a 64-character id can still ask: the ask id stays a safe id", async () => {
  await withDataDir(async (dd) => {
    const worker = "w".repeat(64);
    const a = await openAsk(dd, { worker, prompt: "one" }, NOW);
    const b = await openAsk(dd, { worker, prompt: "two" }, NOW);
    assert(a.ask.id.length <= 64 && b.ask.id.length <= 64, `${a.ask.id} ${b.ask.id}`);
    assertEquals(a.ask.worker, worker);
    assert(a.ask.id !== b.ask.id);
    assertEquals((await openAsk(dd, { worker, prompt: "one" }, NOW)).ask.id, a.ask.id);
  });
});

Deno.test("a claim file that does not parse names no holder: claim, unclaim and the reaper leave it, saying why", async () => {
  await withDataDir(async (dd) => {
    await Deno.writeTextFile(dd.claim("branch"), `{"session": 7}`); // JSON, not a claim
    for (const attempt of [() => claim(dd, "branch", "s1", NOW), () => unclaim(dd, "branch", "s1")]) {
      const e = await looopError(attempt());
      assertEquals(e.code, 1);
      assertMatch(
        e.what,
        /claims\/branch\.json does not parse \(session: Invalid input: expected string, received number\): nobody can tell who holds 'branch'$/,
      );
      assertMatch(e.fix, /remove the file if no session holds the resource/);
    }
    assertEquals(await reapStaleClaims(dd), []);
    assertEquals(await Deno.readTextFile(dd.claim("branch")), `{"session": 7}`, "fail safe: it may be held");
  });
});

Deno.test("an ask whose record stops parsing unblocks its _ ask as withdrawn, saying why; _ answer refuses it", async () => {
  await withDataDir(async (dd) => {
    const { ask } = await openAsk(dd, { worker: "w1", prompt: "go?" }, NOW);
    const waiting = awaitAnswer(dd, ask, 30, 50).then(() => undefined, (e) => e);
    await Deno.writeTextFile(dd.ask(ask.id), "{ torn");
    const e = await waiting;
    assert(e instanceof LooopError, String(e));
    assertEquals(e.code, 4);
    const done = JSON.parse(await Deno.readTextFile(dd.doneAsk(ask.id)));
    assertEquals(done.state, "withdrawn");
    assertMatch(done.why, /^its record does not parse \(/);

    const other = (await openAsk(dd, { worker: "w1", prompt: "again?" }, NOW)).ask;
    await Deno.writeTextFile(dd.ask(other.id), `{"id": "${other.id}"}`);
    const refused = await looopError(answerAsk(dd, other.id, "yes", { now: NOW }));
    assertEquals(refused.code, 1);
    assertMatch(refused.what, new RegExp(`^ask ${other.id}'s record does not parse \\(`));
    await assertNoFile(dd.answer(other.id));
  });
});

async function assertNoFile(path: string): Promise<void> {
  assert(!(await Deno.stat(path).then(() => true, () => false)), `${path} exists`);
}
