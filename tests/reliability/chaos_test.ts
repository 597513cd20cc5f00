/**
 * Chaos (`deno task reliability`): at least 200 beats of a real pulse, `up --foreground` or a run
 * of `_ beat` processes, with a fake runner whose scripted replies write goals, start short-lived
 * workers (which claim, ask and report a cost), run shell commands, noop or are refused, while
 * three writers run `_ goal write`, `_ ask`, `_ answer` and `_ claim` concurrently. A driver
 * SIGKILLs, at seeded random points, the pulse, a worker's session host or a writer's command;
 * the pulse is restarted and the writers go on. Afterwards every invariant is checked: no torn
 * file, no lost ask or answer, no duplicate ask, never two live workers for one id, no claim of
 * a dead session after one beat, every ledger and journal line whole. Replay a run with
 * LOOOP_RELIABILITY_SEED=<the printed seed> (the same choices; the interleaving is the machine's).
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { eventually, holdSessionLock, JOURNAL_LINE, killHolder, LOOOP_ARGV } from "../helpers.ts";
import { PulseLab } from "../pulse/helpers.ts";
import { LedgerRecordSchema } from "../../src/core/schemas.ts";
import { layout } from "../../src/store/layout.ts";
import { isSessionAlive } from "../../src/store/sessions.ts";
import { ndjsonLines, processesOfDir, RELIABILITY_FIXTURES, report, type Rng, seeded, suiteSeed } from "./helpers.ts";

const TARGET_BEATS = 200;
const DEADLINE_MS = 900_000; // 200 beats took 63 s on one machine and 316-340 s on a VM slow to start processes
const WRITERS = 3;

type Outcome = { code: number; signal: string | null; stdout: string; stderr: string; killed: boolean };

type Running = { child: Deno.ChildProcess; killed: boolean; what: string };

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A goal body that proves it is whole: its lines, then the SHA-256 of them, then an end marker. */
async function checkedBody(id: string, version: number, bytes: number): Promise<string> {
  const lines = [`goal: chaos body of ${id}, version ${version}`, ""];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `line ${i} of ${id} v${version}: the quick brown fox jumps over the lazy dog`;
    lines.push(line);
    size += line.length + 1;
  }
  const text = lines.join("\n");
  return `${text}\nsha256 ${await sha256(text)}\nEND ${id} v${version}`;
}

/** A goal file written from checkedBody: its version, or why it is not whole. */
async function verifyBody(id: string, file: string): Promise<{ version: number } | { torn: string }> {
  const text = file.endsWith("\n") ? file.slice(0, -1) : file;
  const lines = text.split("\n");
  const end = /^END (\S+) v(\d+)$/.exec(lines.at(-1) ?? "");
  if (!end || end[1] !== id) return { torn: `no end marker for ${id}: ${JSON.stringify(lines.at(-1))}` };
  const sum = /^sha256 ([0-9a-f]{64})$/.exec(lines.at(-2) ?? "");
  if (!sum) return { torn: "no checksum line" };
  if (sum[1] !== await sha256(lines.slice(0, -2).join("\n"))) return { torn: "checksum mismatch" };
  return { version: Number(end[2]) };
}

/** The runner's scripted replies, one per decide: a seeded mix of every kind of move. */
async function scriptReplies(rng: Rng, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    let move: Record<string, unknown> | string;
    if (r < 0.3) {
      const id = `pulse-g${rng.int(4)}`;
      move = { action: "write_goal", id, body: await checkedBody(id, i, 200 + rng.int(3000)) };
    } else if (r < 0.5) {
      const tokens = [rng.chance(0.5) ? "[chaos:claim]" : "", rng.chance(0.4) ? "[chaos:ask]" : ""].join(" ");
      move = { action: "start_worker", id: `w${rng.int(4)}`, prompt: `chaos work ${i} ${tokens}` };
    } else if (r < 0.65) {
      move = { action: "run_shell", cmd: `echo ${i} >> shell.log`, reason: "chaos" };
    } else if (r < 0.92) {
      move = { action: "noop", reason: `chaos ${i}` };
    } else if (r < 0.96) {
      move = { action: "start_worker", id: "pulse", prompt: "refused: the pulse's own id" };
    } else {
      move = "no move here, just prose";
    }
    out.push(typeof move === "string" ? move : JSON.stringify(move));
  }
  return out;
}

type AskRecord = { id: string; worker: string; prompt: string };

/** What the driver knows happened, to check against the data dir at the end. */
class Observed {
  beats = 0;
  beatEvents: Record<string, number> = {};
  kills: Record<string, number> = {};
  ops: Record<string, Record<string, number>> = {};
  anomalies: string[] = [];
  /** goal id → highest version acknowledged (exit 0) and highest attempted */
  goalAcked = new Map<string, number>();
  goalTried = new Map<string, number>();
  /** every ask id a `_ ask` printed (timeout) or delivered, by question */
  asks = new Map<string, AskRecord>();
  questions = new Map<string, string[]>(); // "worker\nprompt" → ids, oldest first
  delivered = new Set<string>();
  answered = new Set<string>();
  workerSamples = 0;
  workerViolations: string[] = [];

  op(kind: string, result: string) {
    this.ops[kind] ??= {};
    this.ops[kind][result] = (this.ops[kind][result] ?? 0) + 1;
  }
  kill(kind: string) {
    this.kills[kind] = (this.kills[kind] ?? 0) + 1;
  }
  event(name: string) {
    this.beatEvents[name] = (this.beatEvents[name] ?? 0) + 1;
    if (name === "beat.start") this.beats++;
  }
}

Deno.test("chaos: 200+ beats while the pulse, session hosts and writers are SIGKILLed at random", async () => {
  const seed = suiteSeed();
  report("chaos", `seed ${seed} (replay with LOOOP_RELIABILITY_SEED=${seed})`);
  const rng = seeded(seed);
  const t0 = Date.now();
  const lab = await PulseLab.create({
    config: {
      sandbox: { mode: "off" }, // tests/confine covers the sandbox; here it would only slow every beat
      max_workers: 3,
      // Hundreds of decides in two minutes, far over the decide caps, which are not what this tests.
      max_decides_per_hour: 100_000,
      max_decides_per_day: 100_000,
      runners: { pi: { interactive: `bash ${RELIABILITY_FIXTURES}/chaos-worker {{prompt_file}}` } },
    },
    env: { LOOOP_INTERVAL: "0.1", CHAOS_WORKER_S: "1" },
  });
  await lab.replies(...await scriptReplies(rng, 800));
  const keeper = await holdSessionLock(lab.dir, "keeper"); // a live session whose claims must survive
  try {
    const log = new Observed();
    const running = new Set<Running>();
    let stopping = false;
    const env: Record<string, string> = {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      ...lab.env,
    };

    const start = (what: string, args: string[], stdin?: string): Running => {
      const child = new Deno.Command(LOOOP_ARGV[0], {
        args: [...LOOOP_ARGV.slice(1), ...args],
        env,
        clearEnv: true,
        stdin: stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (stdin !== undefined) {
        const w = child.stdin.getWriter();
        w.write(new TextEncoder().encode(stdin)).then(() => w.close()).catch(() => {}); // killed mid-write
      }
      const r = { child, killed: false, what };
      running.add(r);
      return r;
    };
    /** SIGKILL one of our commands; false when it had already ended. */
    const kill9 = (r: Running): boolean => {
      try {
        r.child.kill("SIGKILL");
        return true;
      } catch {
        return false;
      }
    };
    const finish = async (r: Running, stdout?: Promise<string>): Promise<Outcome> => {
      const [out, err, st] = await Promise.all([
        stdout ?? new Response(r.child.stdout).text(),
        new Response(r.child.stderr).text(),
        r.child.status,
      ]);
      running.delete(r);
      if (/unexpected error|^\s+at /m.test(err)) log.anomalies.push(`${r.what}: ${err.trim().split("\n")[0]}`);
      return { code: st.code, signal: st.signal, stdout: out, stderr: err, killed: r.killed };
    };

    // ---- the pulse: `up --foreground` or a run of `_ beat`, restarted whenever it is killed
    let pulse: Running | undefined;
    const pulseRole = (async () => {
      while (!stopping) {
        if (rng.chance(0.6)) {
          const p = pulse = start("pulse-fg", ["up", "--foreground", "--json"]);
          const out = (async () => {
            for await (const ev of ndjsonLines(p.child.stdout)) {
              log.event(String(ev.event));
              if (ev.event === "beat.error") log.anomalies.push(`pulse beat.error: ${ev.msg}`);
              if (log.beats >= TARGET_BEATS && !stopping) stopping = true;
              if (stopping && !p.killed) {
                try {
                  p.child.kill("SIGTERM");
                } catch { /* it ended */ }
              }
            }
            return "";
          })();
          const o = await finish(p, out);
          if (!o.killed && o.code !== 143) log.anomalies.push(`up --foreground exited ${o.code}: ${o.stderr.trim()}`);
        } else {
          for (let i = 1 + rng.int(5); i > 0 && !stopping; i--) {
            const p = pulse = start("pulse-beat", ["_", "beat", "--json"]);
            const o = await finish(p);
            for (const line of o.stderr.split("\n")) {
              try {
                if (line.startsWith("{")) log.event(String(JSON.parse(line).event));
              } catch { /* the last line of a killed beat may be torn */ }
            }
            if (log.beats >= TARGET_BEATS) stopping = true;
            if (!o.killed && ![0, 1, 3].includes(o.code)) {
              log.anomalies.push(`_ beat exited ${o.code}: ${o.stderr.trim().split("\n").pop()}`);
            }
          }
        }
        pulse = undefined;
      }
    })();

    // ---- writers
    const inflight: (Running | undefined)[] = Array(WRITERS).fill(undefined);
    const questionKey = (a: { worker: string; prompt: string }) => `${a.worker}\n${a.prompt}`;
    const writer = async (w: number, wrng: Rng) => {
      let n = 0;
      while (!stopping) {
        const kind = wrng.pick(["goal", "goal", "ask", "ask", "answer", "answer", "claim"] as const);
        n++;
        if (kind === "goal") {
          const id = `chaos-${w}-${wrng.int(3)}`;
          const version = (log.goalTried.get(id) ?? 0) + 1;
          log.goalTried.set(id, version);
          const body = await checkedBody(id, version, 2_000 + wrng.int(60_000));
          const r = inflight[w] = start(`goal write ${id}`, ["_", "goal", "write", id, "-"], body);
          const o = await finish(r);
          if (o.killed) log.op(kind, "killed");
          else if (o.code === 0) {
            log.op(kind, "ok");
            log.goalAcked.set(id, version);
          } else log.anomalies.push(`goal write ${id} exited ${o.code}: ${o.stderr.trim()}`);
        } else if (kind === "ask") {
          // A new question, or (re-attaching) one asked before.
          const known = [...log.questions.keys()];
          const [worker, prompt] = known.length > 0 && wrng.chance(0.3)
            ? wrng.pick(known).split("\n")
            : [`cw${w}`, `question ${w}-${n}`];
          const q = { worker, prompt };
          const r = inflight[w] = start(`ask ${q.prompt}`, [
            "_",
            "ask",
            q.worker,
            "--prompt",
            q.prompt,
            "--timeout",
            "0",
          ]);
          const o = await finish(r);
          const ids = log.questions.get(questionKey(q)) ?? [];
          const latest = ids.at(-1);
          if (o.killed) log.op(kind, "killed");
          else if (o.code === 124) {
            const id = /^looop: ask (\S+) not answered within 0s/.exec(o.stderr)?.[1];
            if (!id) log.anomalies.push(`ask: no id in ${JSON.stringify(o.stderr)}`);
            else if (
              latest !== undefined && id !== latest && !log.delivered.has(latest) &&
              !(await lab.exists(`asks/done/${latest}.json`)) // delivered by a re-run that was then killed
            ) {
              log.anomalies.push(`ask re-run got ${id}, not its open ask ${latest}`);
            } else {
              log.op(kind, latest === id ? "re-attached" : "opened");
              if (latest !== id) {
                const other = log.asks.get(id);
                if (other) log.anomalies.push(`ask id ${id} given to two questions`);
                log.asks.set(id, { id, ...q });
                log.questions.set(questionKey(q), [...ids, id]);
              }
            }
          } else if (o.code === 0) {
            // Answered meanwhile: the answer names its ask.
            const id = /^ans-(\S+)\n$/.exec(o.stdout)?.[1];
            if (!id || !ids.includes(id)) log.anomalies.push(`ask ${q.prompt} printed ${JSON.stringify(o.stdout)}`);
            else {
              log.delivered.add(id);
              log.op(kind, "delivered");
            }
          } else log.anomalies.push(`ask exited ${o.code}: ${o.stderr.trim()}`);
        } else if (kind === "answer") {
          const ids = [...log.asks.keys()].filter((id) => !log.answered.has(id));
          if (ids.length === 0) continue;
          const id = wrng.pick(ids);
          const r = inflight[w] = start(`answer ${id}`, ["_", "answer", id, `ans-${id}`]);
          const o = await finish(r);
          if (o.killed) log.op(kind, "killed");
          else if (o.code === 0) {
            log.op(kind, "ok");
            log.answered.add(id);
          } else if (
            o.code === 1 && o.stderr === `looop: ask ${id} is already answered — add --force to replace the answer\n`
          ) {
            log.op(kind, "already");
            log.answered.add(id); // by an earlier answer whose command was killed after writing
          } else log.anomalies.push(`answer ${id} exited ${o.code}: ${o.stderr.trim()}`);
        } else {
          const name = `res-${wrng.int(4)}`;
          const session = wrng.pick(["keeper", "w0", "w1", "w2", "w3", `ghost-${w}`]);
          const verb = wrng.chance(0.8) ? "claim" : "unclaim";
          const r = inflight[w] = start(`${verb} ${name}`, ["_", verb, name, "--session", session]);
          const o = await finish(r);
          if (o.killed) log.op(verb, "killed");
          else if (o.code === 0) log.op(verb, "ok");
          else if (o.code === 1 && /is claimed by/.test(o.stderr)) log.op(verb, "held");
          else log.anomalies.push(`${verb} ${name} --session ${session} exited ${o.code}: ${o.stderr.trim()}`);
        }
        inflight[w] = undefined;
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w, seeded(seed + 1 + w)));

    // ---- the killer, and a watch that never two workers run for one id
    const killHost = async (): Promise<boolean> => {
      const hosts = (await processesOfDir(lab.dir)).filter((p) => / _ host \S+$/.test(p.args));
      if (hosts.length === 0) return false;
      try {
        Deno.kill(rng.pick(hosts).pid, "SIGKILL");
        return true;
      } catch {
        return false; // it ended meanwhile
      }
    };
    const killer = (async () => {
      while (!stopping) {
        await new Promise((r) => setTimeout(r, 150 + rng.int(600)));
        if (stopping) break;
        const r = rng.next();
        if (r < 0.35) {
          const p = pulse;
          if (p && !p.killed) {
            p.killed = true;
            if (kill9(p)) log.kill(p.what);
          }
        } else if (r < 0.55) {
          if (await killHost()) log.kill("session-host");
        } else {
          const w = rng.int(WRITERS);
          const p = inflight[w];
          if (p && !p.killed && running.has(p)) {
            p.killed = true;
            if (kill9(p)) log.kill(`writer-${p.what.split(" ")[0]}`);
          }
        }
      }
    })();
    let lastHostPairs = new Set<string>();
    const watch = (async () => {
      while (!stopping) {
        const procs = await processesOfDir(lab.dir);
        const count = (re: RegExp) => {
          const by = new Map<string, number[]>();
          for (const p of procs) {
            const id = re.exec(p.args)?.[1];
            if (id) by.set(id, [...by.get(id) ?? [], p.pid]);
          }
          return [...by].filter(([, pids]) => pids.length > 1);
        };
        // A host releases its lock just before it exits, so a new host for the same id may start
        // while the old process is still on its way out: only a pair seen in two samples in a row
        // (300 ms apart) is two hosts at once. Two workers are flagged at once.
        const pairs = new Set<string>();
        for (const [id, pids] of count(/ _ host (\S+)$/)) {
          const key = `${id}: ${pids.join(",")}`;
          pairs.add(key);
          if (lastHostPairs.has(key)) log.workerViolations.push(`two hosts for ${key}`);
        }
        lastHostPairs = pairs;
        const worker = new RegExp(`chaos-worker ${lab.dir}/sessions/([^/]+)/prompt\\.md`);
        for (const [id, pids] of count(worker)) log.workerViolations.push(`two workers for ${id}: ${pids}`);
        log.workerSamples++;
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    const deadline = setTimeout(() => stopping = true, DEADLINE_MS);
    // A role that fails stops the others; all of them end before anything is checked.
    const roles = [pulseRole, killer, watch, ...writers].map((p) =>
      p.catch((e) => {
        stopping = true;
        throw e;
      })
    );
    const ended = await Promise.allSettled(roles);
    clearTimeout(deadline);
    for (const r of running) kill9(r);
    for (const e of ended) if (e.status === "rejected") throw e.reason;
    const chaosMs = Date.now() - t0;

    // ---- afterwards: stop the workers, one quiet beat, then every invariant
    const checks: Record<string, number> = {};
    const check = (name: string, ok: boolean, what: string) => {
      checks[name] = (checks[name] ?? 0) + 1;
      assert(ok, `${name}: ${what}`);
    };
    assertEquals(log.anomalies, [], "no command failed in an unexpected way");
    assert(log.beats >= TARGET_BEATS, `only ${log.beats} beats before the deadline`);
    // The keeper is a lock held by this test, not a host of looop's: down says it is left, and only it.
    const down = await lab.run(["down"]);
    assertEquals(down.code, 1, down.stderr);
    assertMatch(
      down.stderr,
      /^looop: still running after down: worker keeper \(its lock is held by a process that recorded no meta\.json\) — /,
    );
    await lab.replies(); // the default noop from now on
    const dd = layout(lab.dir);
    const finalBeat = await lab.beat();
    check("a beat after the chaos works", finalBeat.code === 0, `${finalBeat.code} ${finalBeat.stderr}`);

    // Never two live workers for one id (sampled all along).
    check("never two live workers for one id", log.workerViolations.length === 0, log.workerViolations.join("; "));

    // No claim of a dead session after one beat; the live keeper's claims stand.
    for await (const e of Deno.readDir(dd.claimsDir)) {
      if (!e.name.endsWith(".json")) continue;
      const c = JSON.parse(await Deno.readTextFile(`${dd.claimsDir}/${e.name}`));
      check("no claim held by a dead session", await isSessionAlive(dd, c.session), `${e.name} held by ${c.session}`);
    }

    // No torn file: every JSON file parses; every goal body is whole.
    const walk = async (dir: string, fn: (path: string) => Promise<void>) => {
      for await (const e of Deno.readDir(dir)) {
        const p = `${dir}/${e.name}`;
        if (e.isDirectory) await walk(p, fn);
        else if (e.isFile) await fn(p);
      }
    };
    let leftovers = 0;
    for (const sub of ["sessions", "snapshots", "asks", "answers", "claims", "runs"]) {
      await walk(`${lab.dir}/${sub}`, async (p) => {
        if (/\/\.[^/]*\.tmp$/.test(p)) return void leftovers++; // a temp file whose writer was killed: never read
        if (!p.endsWith(".json")) return;
        const text = await Deno.readTextFile(p);
        let ok = true;
        try {
          JSON.parse(text);
        } catch {
          ok = false;
        }
        check("every JSON file parses", ok, `${p}: ${JSON.stringify(text.slice(0, 200))}`);
      });
    }
    for (const name of await lab.goals()) {
      if (name.startsWith(".")) {
        leftovers++; // a killed writer's temp file: looop never reads dotfiles
        continue;
      }
      const id = name.slice(0, -3);
      const text = await Deno.readTextFile(`${lab.dir}/goals/${name}`);
      if (id.startsWith("chaos-") || id.startsWith("pulse-")) {
        const v = await verifyBody(id, text);
        check("every goal body is whole", "version" in v, `${name}: ${"torn" in v ? v.torn : ""}`);
        if (id.startsWith("chaos-") && "version" in v) {
          const acked = log.goalAcked.get(id) ?? 0;
          const tried = log.goalTried.get(id) ?? 0;
          check(
            "a goal holds its last acknowledged write or a later one",
            v.version >= acked && v.version <= tried,
            `${name}: v${v.version}, acknowledged v${acked}, tried v${tried}`,
          );
        }
      } else check("every goal body is whole", text.trim().length > 0, `${name} is empty`);
    }
    for (const id of log.goalAcked.keys()) {
      check("no acknowledged goal is lost", await lab.exists(`goals/${id}.md`), `goals/${id}.md`);
    }

    // Every journal and ledger line is whole.
    const journal = await Deno.readTextFile(dd.journal);
    check("the journal ends with a whole line", journal.endsWith("\n"), JSON.stringify(journal.slice(-100)));
    for (const line of journal.split("\n").filter(Boolean)) {
      check("every journal line is whole", JOURNAL_LINE.test(line), JSON.stringify(line));
    }
    const ledger = await Deno.readTextFile(dd.ledger);
    check("the ledger ends with a whole line", ledger.endsWith("\n"), JSON.stringify(ledger.slice(-100)));
    for (const line of ledger.split("\n").filter(Boolean)) {
      let ok = true;
      try {
        ok = LedgerRecordSchema.safeParse(JSON.parse(line)).success;
      } catch {
        ok = false;
      }
      check("every ledger line parses", ok, line);
    }

    // Asks: none lost, none duplicated; answers: none lost, each delivered.
    const open = new Map<string, AskRecord>();
    const done = new Map<string, AskRecord>();
    for (const [dir, into] of [[dd.asksDir, open], [dd.asksDoneDir, done]] as const) {
      for await (const e of Deno.readDir(dir)) {
        if (!e.isFile || !e.name.endsWith(".json") || e.name.startsWith(".")) continue;
        const a = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`));
        check("an ask file is named by its id", `${a.id}.json` === e.name, e.name);
        into.set(a.id, a);
      }
    }
    for (const id of open.keys()) check("no ask is both open and done", !done.has(id), id);
    const openQuestions = new Set<string>();
    for (const a of open.values()) {
      check("no two open asks for one question", !openQuestions.has(questionKey(a)), `${a.id}: ${a.prompt}`);
      openQuestions.add(questionKey(a));
    }
    for (const a of log.asks.values()) {
      const found = open.get(a.id) ?? done.get(a.id);
      check(
        "no acknowledged ask is lost",
        found?.worker === a.worker && found?.prompt === a.prompt,
        `${a.id}: ${JSON.stringify(found)}`,
      );
    }
    const undelivered: string[] = [];
    for (const id of log.answered) {
      const answer = JSON.parse(await Deno.readTextFile(dd.answer(id)).catch(() => "null"));
      check("no acknowledged answer is lost", answer?.answer === `ans-${id}`, `${id}: ${JSON.stringify(answer)}`);
      if (open.has(id)) undelivered.push(id);
      else check("every acknowledged answer is delivered", done.has(id), id);
    }
    // Not yet delivered: the same question asked again gets its answer at once (four at a time).
    const deliver = async () => {
      for (let id = undelivered.pop(); id !== undefined; id = undelivered.pop()) {
        const a = log.asks.get(id)!;
        const r = await lab.run(["_", "ask", a.worker, "--prompt", a.prompt, "--timeout", "10"]);
        const ok = r.code === 0 && r.stdout === `ans-${id}\n`;
        check("every acknowledged answer is delivered", ok, `${id}: ${r.stderr}`);
        check("a delivered ask is filed as done", await lab.exists(`asks/done/${id}.json`), id);
      }
    };
    await Promise.all([deliver(), deliver(), deliver(), deliver()]);

    // Nothing of the data dir outlives `down` but the keeper.
    const others = async () => (await processesOfDir(lab.dir)).filter((p) => p.pid !== keeper.pid);
    const left = await eventually(async () => (await others()).length === 0 && [], "nothing left after down", 15_000)
      .catch(others);
    check("no process outlives down", left.length === 0, JSON.stringify(left));

    const invariants = Object.values(checks).reduce((a, b) => a + b, 0);
    report(
      "chaos",
      `${log.beats} beats in ${(chaosMs / 1000).toFixed(1)} s (${
        ["move.done", "beat.skip", "move.refused", "decide.failed", "session.exit", "claim.reaped"]
          .map((k) => `${k} ${log.beatEvents[k] ?? 0}`).join(", ")
      })`,
    );
    const started = journal.split("\n").filter((l) => / start_worker w\d/.test(l)).length;
    // Failed beats other than the scripted ones: each kind once, to read (a kill mid-start is one).
    const failures = new Set(
      journal.split("\n").filter((l) => / (move refused|decide failed|beat failed): /.test(l))
        .map((l) => l.replace(/^- \S+ \S+ /, "").replace(/\d+/g, "N"))
        .filter((l) => !/'pulse' is the pulse's own session|no move here, just prose/.test(l)),
    );
    check(
      "no worker host loses its lock to a liveness probe",
      [...failures].every((l) => !/already has a host/.test(l)),
      [...failures].join("; "),
    );
    for (const f of failures) report("chaos", `failure seen: ${f}`);
    report("chaos", `${started} workers started by the pulse; ${log.anomalies.length} anomalies`);
    report("chaos", `kills: ${Object.entries(log.kills).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    report(
      "chaos",
      `writer commands: ${
        Object.entries(log.ops).map(([k, v]) => `${k} ${Object.entries(v).map(([r, c]) => `${r} ${c}`).join("/")}`)
          .join(", ")
      }`,
    );
    report(
      "chaos",
      `checked ${invariants} invariants (${Object.keys(checks).length} kinds), ${log.workerSamples} process samples; ` +
        `${log.asks.size} asks, ${log.answered.size} answers, ${log.goalAcked.size} goals acknowledged; ` +
        `${leftovers} temp files of killed writers left (never read)`,
    );
    for (const [k, v] of Object.entries(checks)) report("chaos", `  ${v} × ${k}`);
  } finally {
    await killHolder(keeper);
    await lab.close();
  }
});
