/**
 * Refusals (SPEC §7): the gate that refused a move, why, and what follows from the kind alone,
 * its exit code and its fix. Built here, journaled by the pulse, turned into an exit once by the CLI.
 */
import { Exit, type ExitCode, LooopError } from "./errors.ts";

/** `runner` and `worker`: the supervisor's own gates for a start (runner missing, worker alive or over max_workers). */
export type RefusalKind =
  | "schema"
  | "id"
  | "size"
  | "state"
  | "sandbox"
  | "irreversible"
  | "policy"
  | "runner"
  | "worker";
export type Refusal = { rule: RefusalKind; reason: string; code: ExitCode; fix: string };

const EXIT: Record<RefusalKind, ExitCode> = {
  schema: Exit.usage,
  id: Exit.usage,
  size: Exit.gate,
  state: Exit.refused,
  sandbox: Exit.gate,
  irreversible: Exit.gate,
  policy: Exit.gate,
  runner: Exit.notFound,
  worker: Exit.gate,
};

/** The fix a human is told; the sandbox, irreversible and policy refusals carry theirs in the reason. */
const FIX: Record<RefusalKind, string> = {
  schema: "see `looop help`",
  id: "use 1-64 characters of letters, digits, '.', '_' or '-', not starting with '.'", // ID_MAX in ids.ts
  size: "shorten it, or raise max_body_bytes in the config",
  state: "see `looop _ state` for what exists",
  sandbox: "",
  irreversible: "",
  policy: "",
  runner: "",
  worker: "",
};

/** A refusal of kind `rule`, with that kind's exit code and fix unless the gate that refused knows a better fix. */
export function refuse(rule: RefusalKind, reason: string, fix = FIX[rule]): Refusal {
  return { rule, reason, code: EXIT[rule], fix };
}

/** A supervisor's start refused with an error: its kind from its exit code, its own fix kept. */
export function startRefusal(e: LooopError): Refusal {
  const rule = e.code === Exit.notFound ? "runner" : e.code === Exit.gate ? "worker" : "state";
  return refuse(rule, e.what, e.fix);
}

/** The refusal as the error a verb exits with. */
export function refusalError(r: Refusal): LooopError {
  return new LooopError(`refused (${r.rule}): ${r.reason}`, r.fix, r.code);
}
