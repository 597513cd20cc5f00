/** The pulse's verbs: `up`, `down` (human), `_ beat` and the hidden `_ pulse` (steer). */
import type { Command } from "@commander-js/extra-typings";
import { type Config, resolveRunner, runnerNames, runnerProblem } from "../core/config.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { commandProgram } from "../core/shell.ts";
import { runBeat } from "../pulse/beat.ts";
import { makeLog } from "./ui/events.ts";
import { journalBeatError, pulseBeatContext, runPulse, takePulseLock } from "../pulse/loop.ts";
import { pulseCommand } from "./pulse_run.ts";
import { expireAsksOfGone } from "../mailbox/ask.ts";
import { DecideFlightSchema } from "../core/schemas.ts";
import { readDecideFlight } from "../store/inflight.ts";
import { appendJournal } from "../store/journal.ts";
import { clearPause, readPause, writePause } from "../store/pause.ts";
import { HOST_START_MS, isSessionAlive, PULSE_ID, readSession, sessionFiles } from "../store/sessions.ts";
import type { DataDir } from "../store/layout.ts";
import { useColour } from "../sys/env.ts";
import { onPath, processAlive, signalGroupOfGone, signalVerified, spawnDetached } from "../sys/process.ts";
import { resetSandbox } from "../sys/sandbox.ts";
import { selfArgv, selfEnv } from "../sys/self.ts";
import { waitFor } from "../sys/watch.ts";
import { config, dataDir, workers } from "./context.ts";
import { exitWith, print, printJson } from "./io.ts";

async function pulsePid(dd: DataDir): Promise<number | undefined> {
  return (await readSession(dd, PULSE_ID)).meta?.pid;
}

/** The pulse's pid and start time, as it recorded them: signalled only while they still match. */
async function pulseProcess(dd: DataDir): Promise<{ pid: number; start?: string } | undefined> {
  const meta = (await readSession(dd, PULSE_ID)).meta;
  return meta ? { pid: meta.pid, start: meta.pid_start } : undefined;
}

/** Wait until the pulse is (not) alive; `since`: and its meta was written at or after that time. */
async function until(dd: DataDir, alive: boolean, ms: number, since?: number): Promise<boolean> {
  const ready = async () => {
    if ((await isSessionAlive(dd, PULSE_ID)) !== alive) return undefined;
    if (since === undefined) return true;
    const started = (await readSession(dd, PULSE_ID)).meta?.started;
    return started && Date.parse(started) >= since ? true : undefined;
  };
  const r = await waitFor([dd.root], ready, { timeoutMs: ms, pollMs: 50 });
  return r.kind === "ready";
}

export function registerPulseHuman(program: Command) {
  program.command("pause").description(
    "emergency stop: no decides and no new workers until `looop resume` (sensing goes on; workers keep running)",
  )
    .option("--reason <text>", "why, for the journal, `_ state` and the pulse log")
    .action(async (o) => {
      const dd = await dataDir();
      const reason = (o.reason ?? "").replace(/\s+/g, " ").trim().slice(0, 200);
      const now = new Date();
      const already = await readPause(dd);
      await writePause(dd, { since: already?.since ?? now.toISOString(), reason: reason || already?.reason || "" });
      if (!already) await appendJournal(dd, now, `paused by hand${reason ? `: ${reason}` : ""}`);
      print(
        already
          ? `already paused since ${already.since}`
          : "paused: no decides and no new workers until `looop resume`",
      );
    });

  program.command("resume").description("lift `looop pause`: decides and new workers resume")
    .action(async () => {
      const dd = await dataDir();
      const paused = await readPause(dd);
      if (!paused) return print("not paused");
      await clearPause(dd);
      await appendJournal(dd, new Date(), `resumed by hand (paused since ${paused.since})`);
      print("resumed");
    });

  program.command("up").description("start the pulse, detached (idempotent)")
    .option("--json", "print one JSON document (with --foreground: the log as NDJSON)")
    .option("--foreground", "run the pulse in this process, logging to stdout (for systemd, launchd, tests)")
    .action(async (o) => {
      const dd = await dataDir();
      checkRunner(dd, await config(dd)); // a broken config or a missing runner refuses to start the pulse
      if (o.foreground) {
        const log = makeLog(Deno.stdout, { json: !!o.json, colour: !o.json && useColour() });
        exitWith(await runPulse(dd, { loadConfig: () => config(dd), log, command: "looop up --foreground" }));
        return;
      }
      // Whoever holds the lock after this instant started after it: its meta is not a stale one.
      const since = Date.now();
      if (await isSessionAlive(dd, PULSE_ID)) {
        // A pulse that has just taken the lock records its pid a moment later.
        const known = await waitFor([sessionFiles(dd, PULSE_ID).dir], () => pulsePid(dd), {
          timeoutMs: 5000,
          pollMs: 50,
        });
        const pid = known.kind === "ready" ? known.value : undefined;
        if (o.json) return printJson({ started: false, running: true, pid: pid ?? null });
        return print(`already running (pid ${pid ?? "?"})`);
      }
      spawnDetached([...selfArgv({ background: true }), "_", "pulse", ...(o.json ? ["--json"] : [])], {
        cwd: dd.root,
        env: selfEnv(),
      });
      if (!(await until(dd, true, 15_000, since))) {
        throw new LooopError("the pulse did not start", `see ${sessionFiles(dd, PULSE_ID).output}`, Exit.refused);
      }
      const pid = await pulsePid(dd);
      if (o.json) return printJson({ started: true, running: true, pid: pid ?? null });
      print(`pulse up (pid ${pid ?? "?"}); log: ${sessionFiles(dd, PULSE_ID).output}; watch it with: looop watch`);
    });

  program.command("down").description(
    "stop the pulse (its decide in flight ends with it), then every worker; exit 1 if anything survived",
  )
    .option("--json", "print one JSON document")
    .action(async (o) => {
      const dd = await dataDir();
      // The pulse first: stopped, it decides and starts nothing more; its decide's runner ends with it.
      const pulse = await stopPulse(dd);
      // A pulse that had to be killed leaves its decide's runner: ended now, as the next pulse would.
      const reaped = await takePulseLock(dd).then((lock) => {
        lock.release();
        return true;
      }, () => false);
      // A worker whose host is still starting (a start_worker in flight) is waited for, then stopped.
      const deadline = Date.now() + HOST_START_MS;
      const ws = workers(dd);
      while ((await ws.starting()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const live = await ws.live();
      const failed = new Map<string, string>();
      await Promise.all(live.map((id) =>
        ws.kill(id).then(
          (r) => r.kind === "not-signalled" && failed.set(id, r.why),
          (e) => failed.set(id, e instanceof Error ? e.message.split("\n")[0] : String(e)),
        )
      ));
      const expired = await expireAsksOfGone(dd, new Date());
      // Then check again: anything still running is said, and the exit code says so.
      const record = await readDecideFlight(dd, DecideFlightSchema);
      const flight = record.kind === "parsed" ? record.value : undefined;
      const survivors = [
        ...(await isSessionAlive(dd, PULSE_ID) ? ["the pulse"] : []),
        ...(await ws.live()).map((id) => `worker ${id}${failed.has(id) ? ` (${failed.get(id)})` : ""}`),
        ...(flight?.pid !== undefined && await processAlive({ pid: flight.pid, start: flight.pid_start })
          ? [`the decide's runner (pid ${flight.pid})`]
          : []),
        ...(record.kind === "corrupt" ? [`a decide whose record does not parse (${record.error})`] : []),
      ];
      const doc = { pulse, workers_stopped: live, asks_expired: expired.map((a) => a.id), survivors, reaped };
      if (o.json) printJson(doc);
      else {
        print(
          `${pulse}; ${
            live.length ? `stopped ${live.length} worker(s): ${live.join(", ")}` : "no workers were running"
          }${expired.length ? `; ${expired.length} ask(s) expired` : ""}`,
        );
      }
      if (survivors.length) {
        throw new LooopError(
          `still running after down: ${survivors.join(", ")}`,
          "see `looop _ sessions`; end what is left yourself, then run `looop down` again",
          Exit.refused,
        );
      }
    });
}

/** SIGTERM to the pulse (verified), SIGKILL after 10 s, then its group's leftovers. */
async function stopPulse(dd: DataDir): Promise<string> {
  if (!(await isSessionAlive(dd, PULSE_ID))) return "the pulse was not running";
  const p = await pulseProcess(dd);
  const asked = p ? await signalVerified(p, "SIGTERM") : undefined;
  if (asked?.kind === "stranger" || asked?.kind === "unverified") {
    throw new LooopError(
      `did not signal the pulse: ${asked.why}`,
      `stop it yourself (its lock is ${dd.pulseLock}), then run \`looop up\``,
      Exit.refused,
    );
  }
  let killed = false;
  if (!(await until(dd, false, 10_000)) && p) {
    killed = true;
    await signalVerified(p, "SIGKILL");
    await until(dd, false, 5_000);
  }
  // The detached pulse leads its own process group: whatever it started there goes too.
  if (p) await signalGroupOfGone(p, "SIGKILL");
  return killed ? "pulse killed (it did not stop within 10 s)" : "pulse stopped";
}

/**
 * Problems found at `up`, not in the log an hour later: a runner that is not configured or not
 * installed refuses to start the pulse, naming the fix.
 */
function checkRunner(dd: DataDir, cfg: Config): void {
  const runner = resolveRunner(cfg);
  if (!runner) {
    const known = runnerNames(cfg);
    throw new LooopError(
      runnerProblem(cfg),
      `set "default" in ${dd.configPath} to one of ${
        known.join(", ")
      }, or define runners.${cfg.default}.tick and .interactive`,
    );
  }
  const program = commandProgram(runner.tick);
  if (program && !onPath(program)) {
    throw new LooopError(
      `runner '${runner.name}' not found on PATH (${program})`,
      `install it or set "default" in ${dd.configPath}`,
      Exit.notFound,
    );
  }
}

export function registerPulseSteer(under: Command) {
  under.command("beat").description("run exactly ONE beat in the foreground and exit (cron, tests)")
    .option("--json", "print the log as NDJSON and the result as JSON")
    .action(async (o) => {
      const dd = await dataDir();
      const cfg = await config(dd);
      const lock = await takePulseLock(dd);
      // Ctrl-C or SIGTERM ends the step in flight (the runner's group too) and carries out no move.
      const stop = new AbortController();
      let stopping: "SIGINT" | "SIGTERM" | undefined;
      const onSignal = (sig: "SIGINT" | "SIGTERM") => () => {
        stopping ??= sig;
        stop.abort();
      };
      const onInt = onSignal("SIGINT"), onTerm = onSignal("SIGTERM");
      Deno.addSignalListener("SIGINT", onInt);
      Deno.addSignalListener("SIGTERM", onTerm);
      try {
        const log = makeLog(Deno.stderr, { json: !!o.json, colour: !o.json && useColour(Deno.stderr) });
        const r = await runBeat(pulseBeatContext(dd, cfg, log, stop.signal)).catch(async (e) => {
          // As the pulse does: an error fails the beat, journaled once, and is said here.
          await journalBeatError(dd, e);
          throw e;
        });
        if (o.json) printJson(r);
        else {
          print(
            r.kind === "moved"
              ? r.journal
              : r.kind === "skipped"
              ? "skipped: world unchanged"
              : r.kind === "paused"
              ? `paused: ${r.why}`
              : r.kind === "stopped"
              ? `stopped (${stopping ?? "signal"}): no move carried out`
              : `${r.kind}: ${r.reason}`,
          );
        }
        if (r.kind === "stopped") return exitWith(stopping === "SIGINT" ? 130 : 143);
        if (r.kind === "no-move") {
          if (r.notFound) throw new LooopError(`the decide did not run: ${r.reason}`, "", Exit.notFound);
          throw new LooopError(`the decide yielded no move: ${r.reason}`, "see runs/ for the stream", Exit.refused);
        }
        if (r.kind === "refused") {
          throw new LooopError(`the move was refused: ${r.reason}`, "see the journal", Exit.gate);
        }
      } finally {
        // The sandbox's proxies (socat on Linux) are processes of their own: stop them with the beat.
        await resetSandbox().catch(() => {});
        Deno.removeSignalListener("SIGINT", onInt);
        Deno.removeSignalListener("SIGTERM", onTerm);
        lock.release();
      }
    });

  under.command("pulse", { hidden: true }).description("the pulse, logging to sessions/pulse/output.log")
    .option("--json", "log NDJSON")
    .action(async (o) => exitWith(await pulseCommand({ json: !!o.json })));
}
