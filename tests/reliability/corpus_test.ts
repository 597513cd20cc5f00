/**
 * The bad-input corpus (`deno task reliability`): sensors, runner streams, moves, config, ids and
 * CLI arguments that are broken in every way we could think of. Each case asserts the EXACT error
 * looop gives (the one stderr line and exit code, the journal line, the reading), that nothing
 * was lost or changed (policy files, mailbox, ledger and journal kept whole), and that the loop
 * still beats afterwards. One Deno.test per case, so the count is visible.
 */
import { assert, assertEquals } from "../assert.ts";
import { eventually, holdSessionLock, killHolder, treeSnapshot } from "../helpers.ts";
import { type BeatJson, FIXTURES, processesWith, PulseLab, uniqueMark } from "../pulse/helpers.ts";
import { beatContext, runBeat } from "../../src/pulse/beat.ts";
import { loadConfig } from "../../src/store/config.ts";
import { layout } from "../../src/store/layout.ts";
import { DEFAULT_SENSOR_LIMITS } from "../../src/sensor/run.ts";
import { RELIABILITY_FIXTURES } from "./helpers.ts";

const BAD_RUNNER = `${RELIABILITY_FIXTURES}/bad-runner`;
const LONG_ID = "a".repeat(65);
const ID_FIX = "use 1-64 characters of letters, digits, '.', '_' or '-', not starting with '.'";
const HELP_FIX = "see `looop --help` or `looop help`";
/** Replaced by the lab's data dir in expected texts. */
const D = "<DATA>";

/** The sandbox is tested in tests/confine; here it is off so messages do not depend on the machine. */
const BASE_CONFIG = { sandbox: { mode: "off" } };

let cases = 0;
function corpus(category: string, name: string, fn: () => Promise<void>): void {
  cases++;
  Deno.test(`corpus ${String(cases).padStart(2, "0")} ${category}: ${name}`, fn);
}

async function withCorpusLab(
  opts: Parameters<typeof PulseLab.create>[0],
  fn: (lab: PulseLab) => Promise<void>,
): Promise<void> {
  const lab = await PulseLab.create({ ...opts, config: { ...BASE_CONFIG, ...opts?.config } });
  try {
    await fn(lab);
  } finally {
    await lab.close();
  }
}

const fill = (lab: PulseLab, text: string) => text.replaceAll(D, lab.dir).replaceAll("<BASE>", lab.base);
const journalText = (line: string) => line.replace(/^- \d{4}-\d{2}-\d{2} \d{2}:\d{2} /, "");

/** What a human relies on: policy files, the mailbox, the reports. Beats may write elsewhere. */
async function keptFiles(lab: PulseLab): Promise<Record<string, string>> {
  const all = await treeSnapshot(lab.dir);
  const kept = [
    "./PLAYBOOK.md",
    "./goals",
    "./sensors",
    "./config.json",
    "./asks",
    "./answers",
    "./claims",
    "./reports",
  ];
  const isKept = (k: string) => kept.some((p) => k === p || k.startsWith(p + "/")) && !/\/\.[^/]*$/.test(k);
  return Object.fromEntries(Object.entries(all).filter(([k]) => isKept(k))); // dotfiles are locks and bookkeeping
}

/** The ledger and journal are append-only and every line is whole. */
async function appendOnly(lab: PulseLab, before: { journal: string[]; ledger: string }) {
  const ledger = await Deno.readTextFile(`${lab.dir}/cost.jsonl`).catch(() => "");
  assert(ledger.startsWith(before.ledger), "the ledger is append-only");
  for (const line of ledger.split("\n").filter(Boolean)) JSON.parse(line);
  assert(ledger === "" || ledger.endsWith("\n"), "the ledger ends with a whole line");
  await lab.journalSince(before.journal);
}

/** The loop beats on: the world moves (a goal written), and one beat decides and moves. */
async function beatsOn(lab: PulseLab): Promise<void> {
  await lab.touchGoal("after-the-case", `the world moved at ${Date.now()}`);
  const b = await lab.beat();
  assertEquals([b.code, b.result?.kind], [0, "moved"], `the following beat: ${b.stdout}\n${b.stderr}`);
}

const event = (stderr: string, name: string) =>
  stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((e) => e.event === name);

// ---------------------------------------------------------------- sensors

type Reading = { signal: Record<string, unknown>; detail?: Record<string, unknown> };

/**
 * A sensor `bad` (script, mode) → the beat still moves (exit 0), the reading is exactly `reading`,
 * the sense summary names it, nothing else changed; once fixed, the next beat reads it normally.
 */
function sensorCase(
  name: string,
  c: {
    script: string;
    mode?: number;
    arrange?: (lab: PulseLab) => Promise<void>;
    env?: Record<string, string>;
    reading: Reading | ((lab: PulseLab) => Reading);
    failed?: boolean;
    after?: (lab: PulseLab) => Promise<void>;
  },
) {
  corpus("sensor", name, () =>
    withCorpusLab({}, async (lab) => {
      if (c.arrange) await c.arrange(lab);
      else await lab.sensor("bad", c.script, c.mode ?? 0o755);
      const kept = await keptFiles(lab);
      const before = { journal: await lab.journal(), ledger: "" };
      const b = await lab.beat(c.env);
      assertEquals([b.code, b.result?.kind], [0, "moved"], b.stderr);
      const failed = c.failed ?? true;
      assertEquals(event(b.stderr, "sense.done")?.msg, `7 readings${failed ? ", 1 failed: sensor-bad" : ""}`);
      const expected = typeof c.reading === "function" ? c.reading(lab) : c.reading;
      assertEquals(await lab.snapshot("sensor-bad"), expected);
      assertEquals((await lab.journalSince(before.journal)).map(journalText), ["noop: nothing to do"]);
      assertEquals(await keptFiles(lab), kept, "the beat changed no policy file");
      await appendOnly(lab, before);
      await c.after?.(lab);
      // Fixed, the sensor reads normally and the changed reading wakes the decider.
      await Deno.remove(`${lab.dir}/sensors/bad.sh`, { recursive: true });
      await lab.sensor("bad", `#!/bin/sh\necho '{"signal":{"fixed":true}}'\n`);
      const fixed = await lab.beat(c.env);
      assertEquals([fixed.code, fixed.result?.kind], [0, "moved"], fixed.stderr);
      assertEquals(await lab.snapshot("sensor-bad"), { signal: { fixed: true } });
    }));
}

const sensorError = (code: number | null, message: string, stderr = ""): Reading => ({
  signal: { error: true, exit_code: code },
  detail: { message, stderr },
});

sensorCase("garbage on stdout", {
  script: `#!/bin/sh\necho 'this is {not json'\n`,
  reading: sensorError(0, 'did not print one JSON object: "this is {not json"'),
});
sensorCase("nothing on stdout", {
  script: `#!/bin/sh\nexit 0\n`,
  reading: sensorError(0, "printed nothing; a sensor must print one JSON object"),
});
sensorCase("two JSON objects", {
  script: `#!/bin/sh\necho '{"a":1}'\necho '{"b":2}'\n`,
  reading: sensorError(0, 'did not print one JSON object: "{\\"a\\":1}\\n{\\"b\\":2}"'),
});
sensorCase("a JSON object with trailing garbage", {
  script: `#!/bin/sh\necho '{"a":1} and more'\n`,
  reading: sensorError(0, 'did not print one JSON object: "{\\"a\\":1} and more"'),
});
sensorCase("a JSON array", {
  script: `#!/bin/sh\necho '[1,2]'\n`,
  reading: sensorError(0, "printed JSON that is not an object: [1,2]"),
});
sensorCase("JSON null", {
  script: `#!/bin/sh\necho null\n`,
  reading: sensorError(0, "printed JSON that is not an object: null"),
});
sensorCase("binary bytes", {
  script: `#!/bin/sh\nprintf '\\001\\377'\n`,
  reading: sensorError(0, 'did not print one JSON object: "\\u0001\ufffd"'),
});
sensorCase("a non-zero exit with a reason on stderr", {
  script: `#!/bin/sh\necho '{"a":1}'\necho "could not reach the API" >&2\nexit 3\n`,
  reading: sensorError(3, "the sensor exited 3", "could not reach the API\n"),
});
sensorCase("killed by a signal", {
  script: `#!/bin/sh\nkill -9 $$\n`,
  reading: sensorError(128, "the sensor was killed by SIGKILL"),
});
{
  const mark = uniqueMark();
  sensorCase("hanging, with a child (killed at LOOOP_SENSOR_TIMEOUT with its children)", {
    script: `#!/bin/sh\necho "about to hang" >&2\nsleep ${mark} &\nsleep ${mark}\n`,
    env: { LOOOP_SENSOR_TIMEOUT: "1" },
    reading: sensorError(124, "timed out after 1s and was killed with its children", "about to hang\n"),
    after: async () => {
      await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "no sleep left", 5_000);
    },
  });
}
sensorCase("huge output (over LOOOP_SENSOR_MAX_BYTES)", {
  script: `#!/bin/sh\nhead -c 1048576 /dev/zero | tr '\\0' a\n`,
  reading: sensorError(null, "printed more than 8192 bytes (LOOOP_SENSOR_MAX_BYTES) and was killed"),
});
sensorCase("a flood on stderr with a good reading (not an error)", {
  script: `#!/bin/sh\nhead -c 1048576 /dev/zero | tr '\\0' e >&2\necho '{"signal":{"ok":1}}'\n`,
  reading: { signal: { ok: 1 } },
  failed: false,
});
const cannotRun = (lab: PulseLab, error: string, hint: string) =>
  sensorError(127, `could not run the sensor: ${lab.dir}/sensors/bad.sh: ${error} (${hint})`);
sensorCase("not executable", {
  script: `#!/bin/sh\necho '{}'\n`,
  mode: 0o644,
  reading: (lab) => cannotRun(lab, "Permission denied", "is it executable? chmod +x"),
});
sensorCase("a missing interpreter", {
  script: `#!/nonexistent/interpreter\necho '{}'\n`,
  reading: (lab) =>
    cannotRun(lab, "No such file or directory", "its #! line names a program that does not exist; fix the first line"),
});
// looop never follows a link in its data dir (SPEC §10), dangling or not.
sensorCase("a dangling symlink", {
  script: "",
  arrange: (lab) => Deno.symlink(`${lab.base}/nowhere.sh`, `${lab.dir}/sensors/bad.sh`),
  reading: (lab) =>
    sensorError(
      null,
      `refusing to use ${lab.dir}/sensors/bad.sh: ${lab.dir}/sensors/bad.sh is a symbolic link, and looop never ` +
        "follows a link in its data dir — remove the link (a sandboxed sensor or run_shell may have planted it) and " +
        "put back the real file or folder",
    ),
});
sensorCase("a directory named like a sensor", {
  script: "",
  arrange: (lab) => Deno.mkdir(`${lab.dir}/sensors/bad.sh`),
  reading: (lab) =>
    sensorError(
      127,
      `could not run the sensor: ${lab.dir}/sensors/bad.sh is a directory (a sensor is an executable file)`,
    ),
});

// ---------------------------------------------------------------- runner streams

/**
 * The runner misbehaves (bad-runner mode, or a fixture): the beat yields no move with exactly
 * `reason`, journaled once as "decide failed: …"; nothing is executed or changed; the decide's
 * cost is recorded when the stream had one. With the runner fixed, the next beat moves.
 */
function runnerCase(
  name: string,
  c: {
    mode?: string;
    runner?: string | ((lab: PulseLab) => Promise<string>);
    env?: Record<string, string>;
    reason: string;
    ledger?: number[];
    config?: Record<string, unknown>;
    /** the runner is not installed: exit 127, "the decide did not run" */
    notFound?: true;
  },
) {
  corpus("runner", name, () =>
    withCorpusLab({ runner: BAD_RUNNER }, async (lab) => {
      const runner = typeof c.runner === "function" ? await c.runner(lab) : c.runner ?? BAD_RUNNER;
      await lab.configure({ ...BASE_CONFIG, ...c.config }, runner);
      const kept = await keptFiles(lab);
      const before = { journal: await lab.journal(), ledger: "" };
      const b = await lab.beat({ BAD_RUNNER: c.mode ?? "", ...c.env });
      const reason = fill(lab, c.reason);
      const expected = c.notFound ? { kind: "no-move", reason, notFound: true } : { kind: "no-move", reason };
      assertEquals([b.code, b.result], [c.notFound ? 127 : 1, expected as BeatJson], b.stderr);
      assertEquals(
        b.stderr.split("\n").filter((l) => l && !l.startsWith("{")),
        [
          c.notFound
            ? `looop: the decide did not run: ${reason}`
            : `looop: the decide yielded no move: ${reason} — see runs/ for the stream`,
        ],
      );
      assertEquals((await lab.journalSince(before.journal)).map(journalText), [`decide failed: ${reason}`]);
      assertEquals((await lab.ledger()).map((r) => r.cost_usd), c.ledger ?? []);
      assertEquals(await keptFiles(lab), kept);
      assert(!(await lab.exists(".last-tick-hash")), "the world hash is not committed");
      await appendOnly(lab, before);
      await lab.configure(BASE_CONFIG);
      await beatsOn(lab);
    }));
}

runnerCase("garbage instead of an event stream", {
  mode: "garbage",
  reason: 'no JSON object in the answer: "\\u0001\\u0002 not a stream {{{ ]]] \ufffd"',
});
runnerCase("a stream torn in the middle of the answer", {
  mode: "truncated",
  reason: "the runner's stream ended without a final answer (2 events read)",
});
runnerCase("a stream that ends without an answer", {
  mode: "no-answer",
  reason: "the runner's stream ended without a final answer (3 events read)",
});
runnerCase("a stream of the wrong types (content a number, cost a string)", {
  mode: "wrong-types",
  reason: "no JSON object in the answer (empty)",
});
runnerCase("more than 16 MiB of output", { mode: "huge", reason: "the runner printed more than 16 MiB" });
// "overloaded" is transient: tried three times in the beat (runner_retries 2), each try's cost kept, one failure.
runnerCase("an error stop (pi exits 0 but the model call failed)", {
  mode: "error-stop",
  reason: "the runner reported an error: 529 overloaded_error",
  ledger: [0.001, 0.001, 0.001],
});
runnerCase("a non-zero exit", { mode: "exit-7", reason: "the runner exited 7: runner: no such model: fake-9" });
runnerCase("killed by a signal", { mode: "killed", reason: "the runner was killed by SIGKILL" });
runnerCase("not on PATH", {
  notFound: true,
  config: { runners: { pi: { tick: "no-such-runner-xyz -p" } } },
  reason: `runner 'pi' not found on PATH — install it or set "default" in ${D}/config.json`,
});
runnerCase("not executable", {
  notFound: true,
  runner: async (lab) => {
    await Deno.writeTextFile(`${lab.base}/runner.sh`, "#!/bin/sh\necho '{}'\n", { mode: 0o644 });
    return `${lab.base}/runner.sh`;
  },
  reason: `runner 'pi' is not executable (<BASE>/runner.sh) — chmod +x it, or fix runners.pi.tick in ${D}/config.json`,
});
runnerCase("a .decision.json with two moves", {
  runner: `${FIXTURES}/fake-decision-file`,
  env: { FAKE_DECISION: '{"action":"noop","reason":"a"}{"action":"noop","reason":"b"}' },
  reason: ".decision.json: 2 JSON objects in the answer; exactly one move is needed",
  ledger: [0.003],
});
runnerCase("an unknown default runner", {
  config: { default: "nope" },
  reason:
    `runner 'nope' has no tick or no interactive command — set runners.nope.tick and .interactive in ${D}/config.json`,
});

corpus(
  "runner",
  "a stream that never ends (killed at the decide timeout with its children)",
  () =>
    withCorpusLab({ runner: BAD_RUNNER }, async (lab) => {
      const mark = uniqueMark();
      const kept = await keptFiles(lab);
      const before = { journal: await lab.journal(), ledger: "" };
      // The decide timeout (10 min) is no setting: the beat runs in-process with a 1 s one.
      const dd = layout(lab.dir);
      const vars = { ...lab.env, BAD_RUNNER: "hang", BAD_RUNNER_MARK: mark };
      for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
      let result;
      try {
        const config = (await loadConfig(dd)).config;
        result = await runBeat(
          beatContext(dd, config, { log: () => {}, sensors: DEFAULT_SENSOR_LIMITS, decideTimeoutS: 1 }),
        );
      } finally {
        for (const k of Object.keys(vars)) Deno.env.delete(k);
      }
      assertEquals(result, { kind: "no-move", reason: "the runner timed out after 1s" });
      await eventually(async () => (await processesWith(`sleep ${mark}`)).length === 0, "the runner's sleeps gone");
      assertEquals((await lab.journalSince(before.journal)).map(journalText), [
        "decide failed: the runner timed out after 1s",
      ]);
      assertEquals(await keptFiles(lab), kept);
      await appendOnly(lab, before);
      await lab.configure(BASE_CONFIG);
      await beatsOn(lab);
    }),
);

// ---------------------------------------------------------------- moves

/**
 * The decider's answer is `reply`: the beat fails with exit `code` (1 no move, 3 refused) and
 * exactly `expected` (MARKER: a path the reply's command would create), journaled once; nothing is executed (no file, no worker, no command).
 */
function moveCase(name: string, reply: string | Record<string, unknown>, code: 1 | 3, expected: string) {
  corpus("move", name, () =>
    withCorpusLab({}, async (lab) => {
      const marker = `${lab.dir}/marker`;
      const text = (typeof reply === "string" ? reply : JSON.stringify(reply)).replaceAll("MARKER", marker);
      await lab.replies(text);
      const kept = await keptFiles(lab);
      const before = { journal: await lab.journal(), ledger: "" };
      const b = await lab.beat();
      const why = expected.replaceAll("MARKER", marker);
      const kind = code === 1 ? "no-move" : "refused";
      assertEquals([b.code, b.result], [code, { kind, reason: why } as BeatJson], b.stderr);
      const line = code === 1
        ? `looop: the decide yielded no move: ${why} — see runs/ for the stream`
        : `looop: the move was refused: ${why} — see the journal`;
      assertEquals(b.stderr.split("\n").filter((l) => l && !l.startsWith("{")), [line]);
      const journaled = code === 1 ? `decide failed: ${why}` : `move refused: ${why}`;
      assertEquals((await lab.journalSince(before.journal)).map(journalText), [journaled]);
      assertEquals(await keptFiles(lab), kept, "nothing written");
      assertEquals(await lab.workerIds(), [], "no worker started");
      assert(!(await lab.exists("marker")), "no command ran");
      assert(!(await lab.exists(".action-wal.json")));
      assertEquals((await lab.ledger()).length, 1, "the decide's cost is recorded all the same");
      await appendOnly(lab, before);
      await beatsOn(lab);
    }));
}

const ACTIONS =
  "'noop' | 'run_shell' | 'write_goal' | 'archive_goal' | 'write_sensor' | 'write_playbook' | 'start_worker' | " +
  "'kill_worker' | 'write_schedule' | 'drop_schedule'";
moveCase(
  "prose without JSON",
  "I would touch MARKER, but I am not sure.",
  1,
  'no JSON object in the answer: "I would touch MARKER, but I am not sure."',
);
moveCase(
  "two moves",
  '{"action":"run_shell","cmd":"touch MARKER","reason":"a"} {"action":"noop","reason":"b"}',
  1,
  "2 JSON objects in the answer; exactly one move is needed",
);
moveCase("an empty object", {}, 3, `schema: action: Invalid discriminator value. Expected ${ACTIONS}`);
moveCase(
  "an unknown action",
  { action: "shell", cmd: "touch MARKER", reason: "x" },
  3,
  `schema: action: Invalid discriminator value. Expected ${ACTIONS}`,
);
moveCase(
  "an action of the wrong type",
  { action: null },
  3,
  `schema: action: Invalid discriminator value. Expected ${ACTIONS}`,
);
moveCase(
  "a missing field",
  { action: "run_shell", cmd: "touch MARKER" },
  3,
  "schema: reason: Invalid input: expected string, received undefined",
);
moveCase(
  "a field of the wrong type",
  { action: "write_goal", id: "typed", body: 42 },
  3,
  "schema: body: Invalid input: expected string, received number",
);
moveCase(
  "an unknown field",
  { action: "run_shell", cmd: "touch MARKER", reason: "x", sudo: true },
  3,
  'schema: Unrecognized key: "sudo"',
);
moveCase(
  "an empty command",
  { action: "run_shell", cmd: "", reason: "x" },
  3,
  "schema: cmd: Too small: expected string to have >=1 characters",
);
moveCase(
  "an empty PLAYBOOK (would erase it)",
  { action: "write_playbook", body: "" },
  3,
  "schema: body: is empty; a move writes the whole file (retire a goal with archive_goal)",
);
moveCase(
  "a blank goal body",
  { action: "write_goal", id: "setup", body: "  \n" },
  3,
  "schema: body: is empty; a move writes the whole file (retire a goal with archive_goal)",
);
moveCase(
  "next_interval_s of the wrong type",
  { action: "noop", reason: "x", next_interval_s: "soon" },
  3,
  "schema: next_interval_s: Invalid input: expected number, received string",
);
moveCase(
  "a goal id ../x",
  { action: "write_goal", id: "../x", body: "escape" },
  3,
  'write_goal (id): goal id "../x" contains a path separator',
);
moveCase(
  "a sensor name .hidden",
  { action: "write_sensor", name: ".hidden", script: "echo {}" },
  3,
  "write_sensor (id): sensor id \".hidden\" starts with '.'",
);
moveCase(
  "a worker id of 65 characters",
  { action: "start_worker", id: LONG_ID, prompt: "p" },
  3,
  `start_worker (id): session id "${LONG_ID}" is 65 characters long (at most 64)`,
);
moveCase(
  "archiving a goal that does not exist",
  { action: "archive_goal", id: "nope" },
  3,
  "archive_goal (state): no goal 'nope' in goals/",
);
moveCase(
  "a worker named pulse",
  { action: "start_worker", id: "pulse", prompt: "p" },
  3,
  "start_worker (worker): 'pulse' is the pulse's own session",
);
moveCase(
  "a body over the size cap",
  { action: "write_goal", id: "big", body: "x".repeat(300 * 1024) },
  3,
  "write_goal (size): write_goal payload is 307200 bytes, over the cap of 262144",
);
moveCase(
  "an irreversible command",
  { action: "run_shell", cmd: "touch MARKER && rm -rf reports", reason: "tidy" },
  3,
  "run_shell (irreversible): rm -r: irreversible — start a worker that asks a human first",
);

// ---------------------------------------------------------------- config

/**
 * config.json is `text`: `_ beat` (and `up --foreground`) refuse with exit 2 and exactly `stderr`,
 * before any file is touched; restored, the loop beats.
 */
function configCase(name: string, text: string, stderr: string, verb: string[] = ["_", "beat", "--json"]) {
  corpus("config", name, () =>
    withCorpusLab({}, async (lab) => {
      const good = await Deno.readTextFile(`${lab.dir}/config.json`);
      await Deno.writeTextFile(`${lab.dir}/config.json`, text);
      const before = await treeSnapshot(lab.dir);
      const r = await lab.run(verb);
      assertEquals([r.code, r.stderr, r.stdout], [2, fill(lab, stderr) + "\n", ""]);
      assertEquals(await treeSnapshot(lab.dir), before, "nothing touched");
      await Deno.writeTextFile(`${lab.dir}/config.json`, good);
      await beatsOn(lab);
    }));
}

const CONFIG_FIX = "fix that key (see `looop help`, section CONFIG) or remove it to get the default";
const JSONC_FIX = "fix the file, or delete it to get the defaults";
configCase(
  "broken JSONC",
  '{\n  // comments are fine\n  "interval": 60,\n  oops\n}\n',
  `looop: ${D}/config.json:4:3: invalid JSONC: Expected double-quoted property name — ${JSONC_FIX}`,
);
configCase(
  "truncated JSONC",
  '{ "interval": 60 ',
  `looop: ${D}/config.json:1:18: invalid JSONC: Expected ',' or '}' after property value — ${JSONC_FIX}`,
);
configCase(
  "garbage before the object (the error stays one line)",
  'x\n{ "interval": 60 }\n',
  `looop: ${D}/config.json: invalid JSONC: Unexpected token 'x', "x { "inter"... is not valid JSON — ${JSONC_FIX}`,
);
configCase(
  "broken JSONC refuses `up --foreground` too",
  '{ "interval": 60 ',
  `looop: ${D}/config.json:1:18: invalid JSONC: Expected ',' or '}' after property value — ${JSONC_FIX}`,
  ["up", "--foreground"],
);
configCase(
  "interval of the wrong type",
  '{ "interval": "fast" }',
  `looop: ${D}/config.json: interval: Invalid input: expected number, received string — ${CONFIG_FIX}`,
);
configCase(
  "a negative interval",
  '{ "interval": -1 }',
  `looop: ${D}/config.json: interval: Too small: expected number to be >0 — ${CONFIG_FIX}`,
);
configCase(
  "a runner's tick of the wrong type",
  '{ "runners": { "pi": { "tick": 7 } } }',
  `looop: ${D}/config.json: runners.pi.tick: Invalid input: expected string, received number — ${CONFIG_FIX}`,
);
configCase(
  "runners that is not an object",
  '{ "runners": "pi" }',
  `looop: ${D}/config.json: runners: Invalid input: expected record, received string — ${CONFIG_FIX}`,
);
configCase(
  "a fractional max_workers",
  '{ "max_workers": 1.5 }',
  `looop: ${D}/config.json: max_workers: Invalid input: expected int, received number — ${CONFIG_FIX}`,
);
configCase(
  "an unknown sandbox mode",
  '{ "sandbox": { "mode": "sometimes" } }',
  `looop: ${D}/config.json: sandbox.mode: Invalid option: expected one of "auto"|"required"|"off" — ${CONFIG_FIX}`,
);
configCase(
  "a duration that is none",
  '{ "session_ttl": "forever" }',
  `looop: ${D}/config.json: session_ttl: expected a duration such as "90s", "15m", "2h" or "3d" — ${CONFIG_FIX}`,
);
configCase(
  "an irreversible pattern that is no regular expression (the gate would skip it)",
  '{ "irreversible": ["deploy", "("] }',
  `looop: ${D}/config.json: irreversible.1: not a valid regular expression — ${CONFIG_FIX}`,
);
configCase(
  "an array at the top level",
  "[1, 2]",
  `looop: ${D}/config.json: expected a JSON object at the top level — wrap the settings in { … }`,
);

corpus("config", "a byte-order mark before the object is accepted", () =>
  withCorpusLab({}, async (lab) => {
    const path = `${lab.dir}/config.json`;
    await Deno.writeTextFile(path, "\ufeff" + await Deno.readTextFile(path));
    await beatsOn(lab);
  }));

corpus(
  "config",
  "an unknown key is one warning line, and the beat goes on",
  () =>
    withCorpusLab({ config: { colour: "blue" } }, async (lab) => {
      const b = await lab.beat();
      assertEquals([b.code, b.result?.kind], [0, "moved"]);
      assertEquals(
        b.stderr.split("\n").filter((l) => l && !l.startsWith("{")),
        [`looop: warning: ${lab.dir}/config.json: unknown key ignored: colour`],
      );
    }),
);

// ---------------------------------------------------------------- ids and CLI arguments

/**
 * `looop args` refuses with exit `code` and exactly the stderr line `stderr` (and stdout `stdout`),
 * changing nothing at all in the data dir; the loop then beats.
 */
function cliCase(
  category: "id" | "cli",
  name: string,
  c: {
    args: string[];
    code: number;
    stderr: string;
    stdout?: string;
    env?: Record<string, string>;
    stdin?: string;
    arrange?: (lab: PulseLab) => Promise<(() => Promise<void>) | void>;
  },
) {
  corpus(category, name, () =>
    withCorpusLab({}, async (lab) => {
      const cleanup = await c.arrange?.(lab);
      try {
        const before = await treeSnapshot(lab.dir);
        const r = await lab.run(c.args, { env: c.env, stdin: c.stdin });
        assertEquals([r.code, r.stderr, r.stdout], [c.code, `looop: ${fill(lab, c.stderr)}\n`, c.stdout ?? ""]);
        assertEquals(await treeSnapshot(lab.dir), before, "nothing touched");
      } finally {
        if (cleanup) await cleanup();
      }
      await beatsOn(lab);
    }));
}

const idRefused = (kind: string, id: string, problem: string) =>
  `refused (id): ${kind} id ${JSON.stringify(id)} ${problem} — ${ID_FIX}`;

cliCase("id", "goal write ../x", {
  args: ["_", "goal", "write", "../x", "body"],
  code: 2,
  stderr: idRefused("goal", "../x", "contains a path separator"),
});
cliCase("id", "goal write .hidden", {
  args: ["_", "goal", "write", ".hidden", "body"],
  code: 2,
  stderr: idRefused("goal", ".hidden", "starts with '.'"),
});
cliCase("id", "goal write a/b (body on stdin)", {
  args: ["_", "goal", "write", "a/b"],
  stdin: "body",
  code: 2,
  stderr: idRefused("goal", "a/b", "contains a path separator"),
});
cliCase("id", "goal write with an empty id", {
  args: ["_", "goal", "write", "", "body"],
  code: 2,
  stderr: idRefused("goal", "", "is empty"),
});
cliCase("id", "goal archive of a 65-character id", {
  args: ["_", "goal", "archive", LONG_ID],
  code: 2,
  stderr: idRefused("goal", LONG_ID, "is 65 characters long (at most 64)"),
});
cliCase("id", "a goal id outside ASCII", {
  args: ["_", "goal", "write", "é", "body"],
  code: 2,
  stderr: idRefused("goal", "é", "has characters outside [A-Za-z0-9._-]"),
});
cliCase("id", "sensor write a\\b", {
  args: ["_", "sensor", "write", "a\\b", "echo {}"],
  code: 2,
  stderr: idRefused("sensor", "a\\b", "contains a path separator"),
});
cliCase("id", "claim ../x", {
  args: ["_", "claim", "../x", "--session", "s1"],
  code: 2,
  stderr: idRefused("claim", "../x", "contains a path separator"),
});
cliCase("id", "claim for session .hidden", {
  args: ["_", "claim", "res", "--session", ".hidden"],
  code: 2,
  stderr: idRefused("session", ".hidden", "starts with '.'"),
});
cliCase("id", "answer a/b", {
  args: ["_", "answer", "a/b", "yes"],
  code: 2,
  stderr: idRefused("ask", "a/b", "contains a path separator"),
});
cliCase("id", "ask from LOOOP_SESSION_ID=../w", {
  args: ["_", "ask", "--prompt", "q", "--timeout", "0"],
  env: { LOOOP_SESSION_ID: "../w" },
  code: 2,
  stderr: idRefused("worker", "../w", "contains a path separator"),
});
cliCase("id", "ask with an empty worker id", {
  args: ["_", "ask", "", "--prompt", "q", "--timeout", "0"],
  code: 2,
  stderr: "no session id for _ ask — pass it, or run inside a worker (LOOOP_SESSION_ID is set there)",
});
cliCase("id", "worker start ../x", {
  args: ["_", "worker", "start", "../x", "brief"],
  code: 2,
  stderr: idRefused("session", "../x", "contains a path separator"),
});
cliCase("id", "kill of a 65-character id", {
  args: ["_", "kill", LONG_ID],
  code: 2,
  stderr: idRefused("session", LONG_ID, "is 65 characters long (at most 64)"),
});
cliCase("id", "cost session ../x (the ledger names sessions)", {
  args: ["_", "cost", "session", "../x", "pi", "0.1"],
  code: 2,
  stderr: idRefused("session", "../x", "contains a path separator"),
});

cliCase("cli", "an unknown command", { args: ["bogus"], code: 2, stderr: `unknown command 'bogus' — ${HELP_FIX}` });
cliCase("cli", "an unknown option", {
  args: ["up", "--bogus"],
  code: 2,
  stderr: `unknown option '--bogus' — ${HELP_FIX}`,
});
cliCase("cli", "a missing argument", {
  args: ["_", "goal", "write"],
  code: 2,
  stderr: `missing required argument 'id' — ${HELP_FIX}`,
});
cliCase("cli", "an extra argument", {
  args: ["_", "beat", "extra"],
  code: 2,
  stderr: `too many arguments for 'beat'. Expected 0 arguments but got 1: extra. — ${HELP_FIX}`,
});
cliCase("cli", "a negative --timeout", {
  args: ["_", "ask", "w1", "--prompt", "q", "--timeout", "-1"],
  code: 2,
  stderr: "--timeout must be a number of seconds, got '-1' — e.g. --timeout 30",
});
cliCase("cli", "an infinite --timeout", {
  args: ["_", "wait", "--timeout", "1e999"],
  code: 2,
  stderr: "--timeout must be a number of seconds, got '1e999' — e.g. --timeout 30",
});
cliCase("cli", "an empty --prompt", {
  args: ["_", "ask", "w1", "--prompt", " \n "],
  code: 2,
  stderr: 'empty --prompt — say what the human must decide: --prompt "…"',
});
cliCase("cli", "empty --options", {
  args: ["_", "ask", "w1", "--prompt", "q", "--options", " , "],
  code: 2,
  stderr: "empty --options — list the allowed answers, e.g. --options yes,no",
});
cliCase("cli", "an amount that is not USD", {
  args: ["_", "cost", "session", "w1", "pi", "-1"],
  code: 2,
  stderr: "'-1' is not an amount in USD — give a number ≥ 0, e.g. 0.42",
});
cliCase("cli", "cost with the wrong arguments", {
  args: ["_", "cost", "1", "2"],
  code: 2,
  stderr: "usage: _ cost session <id> <runner> <usd> | _ cost <usd> — see `looop help`",
});
cliCase("cli", "an unknown cost range", {
  args: ["cost", "yesterday"],
  code: 2,
  stderr: "unknown range 'yesterday' — use `looop cost today` or `looop cost all`",
});
cliCase("cli", "an empty goal body on stdin", {
  args: ["_", "goal", "write", "g"],
  stdin: " \n",
  code: 2,
  stderr: "empty goal body on stdin — pass the goal body as an argument or pipe it in",
});
cliCase("cli", "answering an unknown ask", {
  args: ["_", "answer", "nope-1", "yes"],
  code: 1,
  stderr: "no ask 'nope-1' — there are no pending asks",
});
cliCase("cli", "an answer that is not one of the options", {
  arrange: async (lab) => {
    await lab.run(["_", "ask", "w1", "--prompt", "ship?", "--options", "yes,no", "--timeout", "0"]);
  },
  args: ["_", "answer", "w1-1", "maybe"],
  code: 2,
  stderr: "'maybe' is not an option of ask w1-1 — answer one of: yes, no",
});
cliCase("cli", "answering an answered ask", {
  arrange: async (lab) => {
    await lab.run(["_", "ask", "w1", "--prompt", "ship?", "--timeout", "0"]);
    await lab.ok(["_", "answer", "w1-1", "yes"]);
  },
  args: ["_", "answer", "w1-1", "no"],
  code: 1,
  stderr: "ask w1-1 is already answered — add --force to replace the answer",
});
cliCase("cli", "killing the pulse by hand", {
  args: ["_", "kill", "pulse"],
  code: 3,
  stderr: "_ kill refuses the pulse — stop the pulse with `looop down`",
});
cliCase("cli", "a beat while another pulse holds the lock", {
  arrange: async (lab) => {
    const holder = await holdSessionLock(lab.dir, "pulse");
    return () => killHolder(holder);
  },
  args: ["_", "beat"],
  code: 75,
  stderr: "another pulse holds the lock — stop it with `looop down`, or use another data dir",
});

Deno.test("corpus size: at least 40 cases", () => {
  assert(cases >= 40, `${cases} cases`);
  console.log(`reliability: corpus: ${cases} bad-input cases`);
});
