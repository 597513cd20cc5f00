/**
 * The gated executor for `run_shell` (SPEC §7): the irreversible-pattern gate, a write-ahead
 * record of the intent (an interrupted command is reported once, never retried), bash -c in the
 * data dir with a timeout, and the output kept in runs/<run_id>/shell.log.
 */
import { gateMove } from "../core/gates.ts";
import { IRREVERSIBLE_MESSAGE, irreversibleMatch } from "../core/irreversible.ts";
import type { Move } from "../core/moves.ts";
import { ensureDir, readJsonIfExists, removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import { confined, type Sandbox } from "../sys/sandbox.ts";
import { runProcess } from "../sys/spawn.ts";
import { appendJournal } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import type { ExecContext, MoveOutcome } from "./files.ts";

type ShellMove = Extract<Move, { action: "run_shell" }>;
export type ShellOptions = { runId: string; timeoutS: number; irreversible: string[]; sandbox?: Sandbox };

export const RUN_SHELL_TIMEOUT_S = 300;

export type ActionWal = { run_id: string; action: "run_shell"; cmd: string; ts: string };

export async function executeRunShell(move: ShellMove, ctx: ExecContext, opts: ShellOptions): Promise<MoveOutcome> {
  const refusal = gateMove(move, ctx.limits);
  if (refusal) return { kind: "refused", refusal };
  const hit = irreversibleMatch(move.cmd, opts.irreversible);
  if (hit) return { kind: "refused", refusal: { rule: "irreversible", reason: `${hit}: ${IRREVERSIBLE_MESSAGE}` } };
  const { dd } = ctx;
  let argv = ["bash", "-c", move.cmd];
  if (opts.sandbox) {
    const c = await confined(opts.sandbox, move.cmd);
    if (!c.ok) return { kind: "refused", refusal: { rule: "sandbox", reason: c.reason } };
    argv = c.argv;
  }
  const wal: ActionWal = { run_id: opts.runId, action: "run_shell", cmd: move.cmd, ts: ctx.now.toISOString() };
  await writeFileAtomic(dd.actionWal, JSON.stringify(wal) + "\n", 0o600);
  const r = await runProcess(argv, {
    cwd: dd.root,
    timeoutMs: opts.timeoutS * 1000,
    maxStdoutBytes: 1024 * 1024,
    stderrTailBytes: 16 * 1024,
    env: { TMPDIR: dd.tmpDir },
  });
  const dir = `${dd.runsDir}/${opts.runId}`;
  await ensureDir(dir, 0o700);
  const o = r.outcome;
  const status = o.kind === "exited"
    ? (o.code === null ? `killed by ${o.signal}` : `exit ${o.code}`)
    : o.kind === "timeout"
    ? `timed out after ${opts.timeoutS}s`
    : o.kind === "overflow"
    ? "output over 1 MiB, stopped"
    : `could not start: ${o.message}`;
  const log = `$ ${move.cmd}\n${new TextDecoder().decode(r.stdout)}${
    r.stderrTail ? `\n[stderr]\n${r.stderrTail}` : ""
  }\n[${status}]\n`;
  await writeFileAtomic(`${dir}/shell.log`, log, 0o600);
  await removeIfExists(dd.actionWal);
  const text = move.journal?.trim() ? `${move.journal.trim()} (${status})` : `run_shell: ${move.cmd} (${status})`;
  return { kind: "done", journal: await appendJournal(dd, ctx.now, text) };
}

/** An intent record left by a run_shell that never finished (the pulse died): report it once. */
export async function takeInterruptedAction(dd: DataDir): Promise<ActionWal | undefined> {
  const wal = await readJsonIfExists(dd.actionWal) as ActionWal | undefined;
  if (wal === undefined) return undefined;
  await removeIfExists(dd.actionWal);
  return wal && typeof wal.cmd === "string" ? wal : { run_id: "?", action: "run_shell", cmd: "?", ts: "?" };
}
