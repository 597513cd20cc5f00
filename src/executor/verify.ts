/**
 * A worker's `verify` (issue #16): once the worker has ended, its one shell command runs the way a
 * run_shell does (the irreversible gate, the OS sandbox, the minimal environment, a timeout), and
 * its result is what tells "done" from merely "exited".
 */
import { IRREVERSIBLE_MESSAGE, irreversibleMatch } from "../core/irreversible.ts";
import type { SessionVerify } from "../core/schemas.ts";
import { tailOf } from "../core/shell.ts";
import { minimalEnv } from "../sys/env.ts";
import { ensureOwnDir } from "../sys/fs.ts";
import { runConfined, type Sandbox, sandboxVerdict } from "../sys/sandbox.ts";
import { type RunOptions, runProcess } from "../sys/spawn.ts";
import type { DataDir } from "../store/layout.ts";
import { outcomeStatus } from "./shell.ts";

/** How much of a verify's output is kept, for `sys-sessions` and the prompt (its end). */
export const VERIFY_TAIL_CHARS = 2000;

export type VerifyOptions = {
  sandbox: Sandbox;
  irreversible: string[];
  passEnv: string[];
  /** the hosts it may reach: run_shell's (sandbox.run_shell_net) */
  net: string[];
  timeoutS: number;
  signal?: AbortSignal;
};

export async function runVerify(dd: DataDir, cmd: string, opts: VerifyOptions, now: Date): Promise<SessionVerify> {
  const notRun = (why: string): SessionVerify => ({
    ok: false,
    code: null,
    status: `not run: ${why}`,
    tail: "",
    ts: now.toISOString(),
  });
  // Checked at the start too; the config's patterns may have grown since.
  const hit = irreversibleMatch(cmd, opts.irreversible);
  if (hit) return notRun(`${hit}: ${IRREVERSIBLE_MESSAGE}`);
  const verdict = sandboxVerdict(opts.sandbox, "move");
  if (verdict.run === "refused") return notRun(verdict.reason);
  await ensureOwnDir(dd.tmpDir);
  const env = minimalEnv(opts.passEnv, { LOOOP_DATA_DIR: dd.root, TMPDIR: dd.tmpDir });
  const run: Omit<RunOptions, "env"> = {
    cwd: dd.root,
    timeoutMs: opts.timeoutS * 1000,
    maxStdoutBytes: 1024 * 1024,
    stderrTailBytes: 16 * 1024,
    signal: opts.signal,
  };
  const r = verdict.run === "confined"
    ? await runConfined(cmd, { net: opts.net, env }, run)
    : await runProcess(["bash", "-c", cmd], { ...run, env, clearEnv: true });
  const o = r.outcome;
  const status = outcomeStatus(o, opts.timeoutS);
  const out = new TextDecoder().decode(r.stdout).trimEnd();
  const both = [out, r.stderrTail.trimEnd()].filter(Boolean).join("\n");
  const code = o.kind === "exited" ? o.code : null;
  return { ok: code === 0, code, status, tail: tailOf(both, VERIFY_TAIL_CHARS), ts: now.toISOString() };
}
