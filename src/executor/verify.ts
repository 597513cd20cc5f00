/**
 * A worker's `verify` (issue #16): once the worker has ended, its one shell command runs the way a
 * run_shell does (the irreversible gate, the OS sandbox, the minimal environment, a timeout), and
 * its result is what tells "done" from merely "exited".
 */
import { IRREVERSIBLE_MESSAGE, irreversibleMatch } from "../core/irreversible.ts";
import type { SessionVerify } from "../core/schemas.ts";
import { tailOf } from "../core/shell.ts";
import { type Sandbox, sandboxVerdict } from "../sys/sandbox.ts";
import type { DataDir } from "../store/layout.ts";
import { outcomeStatus, runScreenedCommand } from "./shell.ts";

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
  const r = await runScreenedCommand(dd, cmd, verdict.run, opts);
  const o = r.outcome;
  const status = outcomeStatus(o, opts.timeoutS);
  const out = new TextDecoder().decode(r.stdout).trimEnd();
  const both = [out, r.stderrTail.trimEnd()].filter(Boolean).join("\n");
  const code = o.kind === "exited" ? o.code : null;
  return { ok: code === 0, code, status, tail: tailOf(both, VERIFY_TAIL_CHARS), ts: now.toISOString() };
}
