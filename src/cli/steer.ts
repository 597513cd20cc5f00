/**
 * The STEER surface (`looop _ …`): state, wait, asks, answer, the goal/sensor/playbook/schedule
 * writes, the PLAYBOOK's history (list, restore), the schedules' list, sessions and a worker's screenshot.
 */
import type { Command } from "@commander-js/extra-typings";
import { Exit, LooopError } from "../core/errors.ts";
import { type FileMove, type Move, parseMove } from "../core/moves.ts";
import { refusalError, refuse } from "../core/refusal.ts";
import { guardLimits } from "../core/guards.ts";
import { localSecond } from "../core/time.ts";
import { safeId } from "../core/ids.ts";
import { executeFileMove, type MoveOutcome, NO_CODE_SCREEN } from "../executor/files.ts";
import { executeStartWorker } from "../executor/worker.ts";
import { readState, waitForChange } from "../state/state.ts";
import { askIds, pendingAsks } from "../store/asks.ts";
import { listClaims } from "../store/claims.ts";
import { readGoals, sensorNames } from "../store/goals.ts";
import { listSessions } from "../store/sessions.ts";
import type { Config } from "../core/config.ts";
import type { DataDir } from "../store/layout.ts";
import { playbookHistory } from "../store/playbook_history.ts";
import { listSchedules } from "../store/schedules.ts";
import { nextDue, scheduleSignal } from "../core/schedules.ts";
import { sandboxPolicy } from "../store/sandbox_policy.ts";
import { runSensors } from "../sensor/run.ts";
import { sensorLimits } from "../pulse/loop.ts";
import { resetSandbox, sandbox } from "../sys/sandbox.ts";
import { env } from "../sys/env.ts";
import { config, dataDir, workers } from "./context.ts";
import { answerCommand } from "./answer.ts";
import { bodyArg, print, printJson, secondsArg } from "./io.ts";
import { renderState, sessionsCommand, stateCommand } from "./state.ts";

/**
 * Run a move through the gated executor, as the pulse would; a refusal becomes an exit code.
 * `schemaFix`: the fix a verb gives for its own flags when the move's schema refuses them.
 */
async function steer(input: FileMove | StartMove, schemaFix?: string): Promise<void> {
  // One gate for every write: the move's schema first, as for a decided move (a blank inline body
  // is refused here, as a blank stdin body is).
  const parsed = parseMove(input);
  if (!parsed.ok) {
    throw refusalError(schemaFix ? { ...parsed.refusal, fix: schemaFix } : parsed.refusal);
  }
  const move = parsed.move as FileMove | StartMove;
  const dd = await dataDir();
  const cfg = await config(dd);
  try {
    await steerWith(dd, cfg, move);
  } finally {
    await resetSandbox().catch(() => {}); // the sandbox's proxies (socat on Linux) stop with the command
  }
}

async function steerWith(dd: DataDir, cfg: Config, move: FileMove | StartMove): Promise<void> {
  // Only a new sensor needs to know whether a sandbox would hold it (it runs every beat).
  // A worker's verify runs sandboxed too: refused up front where no sandbox would hold it.
  const code = move.action === "write_sensor" || (move.action === "start_worker" && move.verify !== undefined);
  const sb = code ? await sandbox(sandboxPolicy(dd, cfg)) : undefined;
  const ctx = {
    dd,
    now: new Date(),
    limits: { maxBodyBytes: cfg.max_body_bytes },
    playbookKeep: guardLimits(cfg, env).playbookKeep,
    via: "(by hand)",
    byHuman: true,
    screen: sb
      ? {
        sandbox: sb,
        irreversible: cfg.irreversible,
        allowNet: cfg.sandbox.allow_net,
        passEnv: cfg.sandbox.pass_env,
      }
      : NO_CODE_SCREEN,
  };
  let outcome: MoveOutcome;
  if (move.action === "start_worker") {
    outcome = await executeStartWorker(
      move,
      ctx,
      (id, brief, opts) => workers(dd).start({ id, brief, config: cfg, now: ctx.now, ...opts }),
    );
  } else {
    outcome = await executeFileMove(move, ctx);
  }
  if (outcome.kind === "done") {
    print(outcome.journal);
    // The new sensor runs once, as the pulse would run it, so its reading is seen now, not at the next beat.
    if (move.action === "write_sensor" && sb) {
      const name = `sensor-${move.name}`;
      const readings = await runSensors(dd, sensorLimits(), {
        sandbox: sb,
        allowNet: cfg.sandbox.allow_net,
        passEnv: cfg.sandbox.pass_env,
        only: [name],
      });
      const r = readings[name];
      if (r) {
        const text = JSON.stringify(r);
        print(`${name}: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`);
        const err = r.signal as { error?: unknown };
        const detail = r.detail as { message?: unknown } | undefined;
        if (err?.error === true) {
          console.error(`looop: warning: ${name} gave an error reading: ${String(detail?.message ?? "?")}`);
        }
      }
    }
    return;
  }
  throw refusalError(outcome.refusal);
}

type StartMove = Extract<Move, { action: "start_worker" }>;

/** The first line with text in it, cut to about 60 characters: enough to tell versions apart. */
function firstLine(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find(Boolean) ?? "";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** `_ playbook history`: the kept versions, newest (1) first. */
async function historyCommand(json: boolean): Promise<void> {
  const dd = await dataDir();
  const versions = await playbookHistory(dd);
  const rows = versions.map((v) => ({
    n: v.n,
    file: v.file,
    at: v.at.toISOString(),
    bytes: v.bytes,
    first_line: firstLine(v.text),
  }));
  if (json) return printJson(rows);
  if (!rows.length) {
    return print(`no PLAYBOOK history yet (each write keeps the previous version in ${dd.playbookHistoryDir})`);
  }
  const nWidth = String(rows.length).length;
  const sizes = rows.map((r) => `${r.bytes} bytes`);
  const sizeWidth = Math.max(...sizes.map((s) => s.length));
  for (const [i, r] of rows.entries()) {
    const n = String(r.n).padStart(nWidth);
    print(`${n}  ${localSecond(versions[i].at)}  ${sizes[i].padStart(sizeWidth)}  ${r.first_line}`);
  }
}

/**
 * `_ playbook restore <n>`: version n goes back through the same gate as `_ playbook write`, so the
 * PLAYBOOK it replaces is kept in turn, and a restore is undone by another.
 */
async function restoreCommand(arg: string, journal: string | undefined): Promise<void> {
  const versions = await playbookHistory(await dataDir());
  const list = "`looop _ playbook history`";
  if (!/^[1-9]\d*$/.test(arg)) {
    throw refusalError(refuse("schema", `a PLAYBOOK version is a number from 1, got '${arg}'`, `${list} numbers them`));
  }
  const v = versions[Number(arg) - 1];
  if (!v) {
    throw refusalError(refuse("state", `no PLAYBOOK version ${arg}`, `${list} lists ${versions.length || "none yet"}`));
  }
  await steer({
    action: "write_playbook",
    body: v.text,
    journal: journal ?? `PLAYBOOK restored from version ${v.n} (${v.file}) (by hand)`,
  });
}

/** A terminal dimension given on the command line: a whole number of cells, 1..1000. */
function sizeArg(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1000) {
    throw new LooopError(`${flag} must be a whole number of cells from 1 to 1000, got '${value}'`, `e.g. ${flag} 80`);
  }
  return n;
}

const SCHEDULE_EXAMPLE = "e.g. `looop _ schedule write standup --every 86400 --note 'post the standup'` " +
  "(--every at least 60 seconds) or `--in 90` (once)";

/** A number of seconds from a flag, as the move's schema will see it (whole and positive is its rule). */
function scheduleSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n)) {
    throw new LooopError(`${flag} must be a number of seconds, got '${value}'`, SCHEDULE_EXAMPLE);
  }
  return n;
}

/**
 * `_ screenshot`: session `id`'s terminal as `watch` would draw it (its whole log replayed through
 * the terminal emulator), one line per row, trailing spaces and trailing blank rows left out.
 */
async function screenshot(dd: DataDir, id: string, cols?: number, rows?: number): Promise<string> {
  const ws = workers(dd);
  safeId("session", id);
  const session = (await ws.list()).find((s) => s.id === id);
  if (!session) throw new LooopError(`no session '${id}'`, "see `looop _ sessions`", Exit.refused);
  const screen = await ws.screen(id, cols ?? session.meta?.cols ?? 80, rows ?? session.meta?.rows ?? 24);
  try {
    while (await screen.update()) { /* a log longer than one read: read on */ }
    const lines = screen.lines();
    while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
    return lines.join("\n");
  } finally {
    screen.dispose();
  }
}

/** `_ schedule list`: each schedule's kind, when it is due (next), its state and note; a corrupt one says why. */
async function scheduleListCommand(json: boolean): Promise<void> {
  const dd = await dataDir();
  const now = new Date();
  const entries = await listSchedules(dd);
  const rows = entries.map((e) => {
    if (!("schedule" in e)) return { name: e.name, corrupt: e.corrupt };
    const s = e.schedule;
    const next = nextDue(s, now)?.toISOString() ?? null;
    const state = scheduleSignal(s, now);
    return s.kind === "once"
      ? { name: s.name, kind: s.kind, due: s.due, next, state, note: s.note, created: s.created }
      : {
        name: s.name,
        kind: s.kind,
        every_s: s.every_s,
        anchor: s.anchor,
        next,
        state,
        note: s.note,
        created: s.created,
      };
  });
  if (json) return printJson(rows);
  if (!rows.length) return print(`no schedules (write one with \`looop _ schedule write <name> --in|--every <secs>\`)`);
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const name = r.name.padEnd(width);
    if ("corrupt" in r) {
      print(`${name}  corrupt: ${r.corrupt} (rewrite it with \`_ schedule write\`, or \`_ schedule rm\` it)`);
      continue;
    }
    const when = r.kind === "once"
      ? `once   ${r.state === "due" ? "due since" : "due at"} ${localSecond(new Date(r.due!))}`
      : `every ${r.every_s}s, next ${localSecond(new Date(r.next!))} (period ${r.state})`;
    print(`${name}  ${when}${r.note ? `  ${r.note}` : ""}`);
  }
}

export function registerSteer(under: Command) {
  under.command("state").description(
    "one snapshot: pulse, world hash, goals, readings, asks, sessions, claims, spend, journal",
  )
    .option("--json", "print one JSON document")
    .action((o) => stateCommand(o));

  under.command("wait").description(
    "block until a pending ask exists or the world hash moves; print state (exit 5 when the pulse is down)",
  )
    .option("--json", "print one JSON document")
    .option("--only-asks", "wake only for a pending ask")
    .option("--timeout <s>", "give up after this many seconds (exit 124)")
    .action(async (o) => {
      const dd = await dataDir();
      const why = await waitForChange(dd, { onlyAsks: !!o.onlyAsks, timeoutS: secondsArg(o.timeout, "--timeout") });
      const now = new Date();
      const s = await readState(dd, now);
      if (o.json) printJson({ woke: why, state: s });
      else print(`woke: ${why}\n${renderState(s, now)}`);
      if (why === "timeout") throw new LooopError("nothing changed before the timeout", "", Exit.timeout);
      if (why === "down") {
        throw new LooopError(
          "the pulse is not running: nothing will change",
          "start it with `looop up`",
          Exit.pulseDown,
        );
      }
    });

  under.command("asks").description("pending asks")
    .option("--json", "print one JSON document")
    .action(async (o) => {
      const asks = await pendingAsks(await dataDir());
      if (o.json) return printJson(asks);
      if (!asks.length) return print("no pending asks");
      for (const a of asks) {
        const opts = a.options ? `  options: ${a.options.join(", ")}` : "";
        const ref = a.ref ? `  ref: ${a.ref}` : "";
        print(
          `${a.id}  (worker ${a.worker}, ${a.ts})\n  ${a.prompt.replaceAll("\n", "\n  ")}${opts ? "\n" + opts : ""}${
            ref ? "\n" + ref : ""
          }`,
        );
      }
    });

  under.command("answer").description("resolve an ask (with options, the text must be one of them)")
    .argument("<ask_id>").argument("<text>")
    .option("--force", "replace an existing answer")
    .action((id, text, o) => answerCommand(id, text, !!o.force));

  const goal = under.command("goal").description("write or archive a goal");
  goal.command("write").description("write goals/<id>.md (body inline, or stdin when omitted or -)")
    .argument("<id>").argument("[body]").allowUnknownOption()
    .option("--journal <text>", "the journal line to write")
    .action(async (id, body, o) => {
      await steer({ action: "write_goal", id, body: await bodyArg(body, "goal body"), journal: o.journal });
    });
  goal.command("archive").description("move goals/<id>.md to goals/archive/")
    .argument("<id>")
    .option("--journal <text>", "the journal line to write")
    .action((id, o) => steer({ action: "archive_goal", id, journal: o.journal }));

  under.command("sensor").description("write a sensor script")
    .command("write").description("write sensors/<name>.sh, executable (script inline, or stdin)")
    .argument("<name>").argument("[script]").allowUnknownOption()
    .option("--journal <text>", "the journal line to write")
    .action(async (name, script, o) => {
      await steer({ action: "write_sensor", name, script: await bodyArg(script, "sensor script"), journal: o.journal });
    });

  const playbook = under.command("playbook").description(
    "replace PLAYBOOK.md, list its earlier versions, put one back",
  );
  playbook.command("write").description(
    "replace PLAYBOOK.md (body inline, or stdin); the one it replaces is kept in playbook.d/",
  )
    .argument("[body]").allowUnknownOption()
    .option("--journal <text>", "the journal line to write")
    .action(async (body, o) => {
      await steer({ action: "write_playbook", body: await bodyArg(body, "PLAYBOOK"), journal: o.journal });
    });
  playbook.command("history").description(
    "the earlier PLAYBOOKs kept in playbook.d/, newest (1) first: time, size, first line",
  )
    .option("--json", "print one JSON document")
    .action((o) => historyCommand(!!o.json));
  playbook.command("restore").description(
    "put version <n> of `_ playbook history` back, through the same gate as write (the current one is kept)",
  )
    .argument("<n>")
    .option("--journal <text>", "the journal line to write")
    .action((n, o) => restoreCommand(n, o.journal));

  const schedule = under.command("schedule").description("durable schedules that wake the loop: write, rm, list");
  schedule.command("write").description(
    "write schedules/<name>.json: due once --in <secs> from now, or repeating --every <secs> (at least 60)",
  )
    .argument("<name>")
    .option("--in <secs>", "due once, this many seconds from now")
    .option("--every <secs>", "due every this many seconds from now (at least 60)")
    .option("--note <text>", "what it is for: the decide sees it when it is due")
    .option("--journal <text>", "the journal line to write")
    .action(async (name, o) => {
      if ((o.in === undefined) === (o.every === undefined)) {
        throw new LooopError(
          o.in === undefined ? "give --in or --every" : "give --in or --every, not both",
          SCHEDULE_EXAMPLE,
        );
      }
      await steer({
        action: "write_schedule",
        name,
        in_s: scheduleSeconds(o.in, "--in"),
        every_s: scheduleSeconds(o.every, "--every"),
        note: o.note,
        journal: o.journal,
      }, SCHEDULE_EXAMPLE);
    });
  schedule.command("rm").description("remove schedules/<name>.json")
    .argument("<name>")
    .option("--journal <text>", "the journal line to write")
    .action((name, o) => steer({ action: "drop_schedule", name, journal: o.journal }));
  schedule.command("list").description("every schedule: kind, when it is due (next), state, note")
    .option("--json", "print one JSON document")
    .action((o) => scheduleListCommand(!!o.json));

  const worker = under.command("worker").description("start a worker by hand; list the workers with their health");
  worker.command("start").description("start worker <id> with a brief (inline, or stdin); same gates as the move")
    .argument("<id>").argument("[brief]").allowUnknownOption()
    .option("--journal <text>", "the journal line to write")
    .option("--verify <cmd>", "a shell command, run sandboxed when the worker ends, that exits 0 once the work is done")
    .option("--command <cmd>", "run this instead of the runner's interactive command ({{prompt_file}}: the brief)")
    .action(async (id, brief, o) => {
      await steer({
        action: "start_worker",
        id,
        prompt: await bodyArg(brief, "worker brief"),
        journal: o.journal,
        ...(o.verify !== undefined ? { verify: o.verify } : {}),
        ...(o.command !== undefined ? { command: o.command } : {}),
      });
    });
  worker.command("list").description(
    "every worker (not the pulse): its health (busy, waiting-ask, stuck, or how it ended), state, pid, runner, age",
  )
    .option("--json", "print one JSON document")
    .action((o) => sessionsCommand({ json: !!o.json, workersOnly: true }));

  under.command("screenshot").description("print a worker's screen now as plain text, as `watch` draws it")
    .argument("<id>")
    .option("--cols <n>", "the screen's width (default: the session's terminal, else 80)")
    .option("--rows <n>", "the screen's height (default: the session's terminal, else 24)")
    .action(async (id, o) => {
      const text = await screenshot(await dataDir(), id, sizeArg(o.cols, "--cols"), sizeArg(o.rows, "--rows"));
      if (text) print(text); // a blank screen prints nothing
    });

  under.command("sessions").description("the pulse and every worker: id, state, health, pid, runner, age, exit code")
    .option("--json", "print one JSON document")
    .action((o) => sessionsCommand({ json: !!o.json, workersOnly: false }));

  under.command("ids", { hidden: true }).description("ids for shell completion: goals, sessions, asks, sensors")
    .argument("<kind>")
    .action(async (kind) => {
      const dd = await dataDir();
      const lists: Record<string, () => Promise<string[]>> = {
        goals: async () => (await readGoals(dd)).map((g) => g.id),
        sessions: async () => (await listSessions(dd)).map((s) => s.id),
        asks: async () => (await pendingAsks(dd)).map((a) => a.id),
        "all-asks": () => askIds(dd),
        sensors: () => sensorNames(dd),
        claims: async () => (await listClaims(dd)).map((c) => c.name),
        schedules: async () => (await listSchedules(dd)).map((s) => s.name),
      };
      const list = lists[kind];
      if (!list) throw new LooopError(`unknown id kind '${kind}'`, `use one of: ${Object.keys(lists).join(", ")}`);
      for (const id of await list()) print(id);
    });
}
