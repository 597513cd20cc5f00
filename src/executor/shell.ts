/**
 * The gated executor for `run_shell` (SPEC §7): the irreversible-pattern gate, a write-ahead
 * record of the intent (an interrupted command is reported once, never retried), bash -c in the
 * data dir with a timeout, and the output kept in runs/<run_id>/shell.log.
 */
import { refuse } from "../core/refusal.ts";
import { gateMove } from "../core/gates.ts";
import { IRREVERSIBLE_MESSAGE, irreversibleMatch } from "../core/irreversible.ts";
import type { Move } from "../core/moves.ts";
import { minimalEnv } from "../sys/env.ts";
import { ensureDir, ensureOwnDir, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import { readStateFile } from "../store/read.ts";
import { type ActionWal, ActionWalSchema, type ShellOutput } from "../core/schemas.ts";
import { sandboxDenied, tailOf } from "../core/shell.ts";
import { runConfined, type Sandbox, sandboxVerdict } from "../sys/sandbox.ts";
import { type RunOptions, type RunOutcome, runProcess, type RunResult } from "../sys/spawn.ts";
import { appendJournal } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import type { ExecContext, MoveOutcome } from "./files.ts";

type ShellMove = Extract<Move, { action: "run_shell" }>;
/** `net`: the hosts run_shell may reach (sandbox.run_shell_net; none by default). */
/** `signal`: aborted when the pulse stops, which ends the command's group (reported as stopped). */
export type ShellOptions = { runId: string; timeoutS: number; sandbox: Sandbox; net: string[]; signal?: AbortSignal };

export const RUN_SHELL_TIMEOUT_S = 300;
/** How much of a run_shell's stdout and of its stderr the next prompt shows (their ends). */
export const SHELL_TAIL_CHARS = 2000;

/**
 * One command the sandbox verdict let run (run_shell, a worker's verify): in the data dir, with the
 * minimal environment (SPEC §10: no API key or token of the user's reaches it), a timeout, and its
 * output capped; inside the OS sandbox when `run` is "confined".
 */
export async function runScreenedCommand(
  dd: DataDir,
  cmd: string,
  run: "confined" | "unconfined",
  opts: { passEnv: string[]; net: string[]; timeoutS: number; signal?: AbortSignal },
): Promise<RunResult> {
  await ensureOwnDir(dd.tmpDir);
  const env = minimalEnv(opts.passEnv, { LOOOP_DATA_DIR: dd.root, TMPDIR: dd.tmpDir });
  const how: Omit<RunOptions, "env"> = {
    cwd: dd.root,
    timeoutMs: opts.timeoutS * 1000,
    maxStdoutBytes: 1024 * 1024,
    stderrTailBytes: 16 * 1024,
    signal: opts.signal,
  };
  return run === "confined"
    ? await runConfined(cmd, { net: opts.net, env }, how)
    : await runProcess(["bash", "-c", cmd], { ...how, env, clearEnv: true });
}

export async function executeRunShell(move: ShellMove, ctx: ExecContext, opts: ShellOptions): Promise<MoveOutcome> {
  const refusal = gateMove(move, ctx.limits);
  if (refusal) return { kind: "refused", refusal };
  const hit = irreversibleMatch(move.cmd, ctx.screen.irreversible);
  if (hit) return { kind: "refused", refusal: refuse("irreversible", `${hit}: ${IRREVERSIBLE_MESSAGE}`) };
  const verdict = sandboxVerdict(opts.sandbox, "move");
  if (verdict.run === "refused") return { kind: "refused", refusal: refuse("sandbox", verdict.reason) };
  const { dd } = ctx;
  const wal: ActionWal = { run_id: opts.runId, action: "run_shell", cmd: move.cmd, ts: ctx.now.toISOString() };
  await writeFileAtomic(dd.actionWal, JSON.stringify(wal) + "\n", 0o600);
  const r = await runScreenedCommand(dd, move.cmd, verdict.run, { ...opts, passEnv: ctx.screen.passEnv });
  const dir = `${dd.runsDir}/${opts.runId}`;
  await ensureDir(dir, 0o700);
  const o = r.outcome;
  const status = outcomeStatus(o, opts.timeoutS);
  const stdout = new TextDecoder().decode(r.stdout);
  const log = `$ ${move.cmd}\n${stdout}${r.stderrTail ? `\n[stderr]\n${r.stderrTail}` : ""}\n[${status}]\n`;
  await writeFileAtomic(`${dir}/shell.log`, log, 0o600);
  await removeIfExists(dd.actionWal);
  const denied = verdict.run === "confined" && sandboxDenied(r.stderrTail);
  const shell: ShellOutput = {
    run_id: opts.runId,
    cmd: move.cmd,
    status: denied ? `${status}, denied by the sandbox` : status,
    code: o.kind === "exited" ? o.code : null,
    stdout_tail: tailOf(stdout, SHELL_TAIL_CHARS),
    stderr_tail: tailOf(r.stderrTail, SHELL_TAIL_CHARS),
    denied,
  };
  const text = move.journal?.trim()
    ? `${move.journal.trim()} (${shell.status})`
    : `run_shell: ${move.cmd} (${shell.status})`;
  return { kind: "done", journal: await appendJournal(dd, ctx.now, text), shell };
}

/** How a command ended, as one phrase for the journal and the prompt ("exit 0", "timed out after 300s"…). */
export function outcomeStatus(o: RunOutcome, timeoutS: number): string {
  switch (o.kind) {
    case "exited":
      return o.code === null ? `killed by ${o.signal}` : `exit ${o.code}`;
    case "timeout":
      return `timed out after ${timeoutS}s`;
    case "overflow":
      return "output over 1 MiB, stopped";
    case "aborted":
      return "stopped: the pulse was stopping";
    case "spawn-error":
      return `could not start: ${o.message}`;
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** An intent record left by a run_shell that never finished (the pulse died): report it once. */
export async function takeInterruptedAction(dd: DataDir): Promise<ActionWal | undefined> {
  const wal = await readStateFile(dd.actionWal, ActionWalSchema);
  if (wal.kind === "absent") return undefined;
  await removeIfExists(dd.actionWal);
  // A record that does not parse still says a run_shell was cut short: reported, with what is unknown.
  return wal.kind === "parsed" ? wal.value : { run_id: "?", action: "run_shell", cmd: "?", ts: "?" };
}
