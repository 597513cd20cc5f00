/** The one error type looop raises on purpose: what went wrong, how to fix it, and the exit code. */

export const Exit = {
  ok: 0,
  refused: 1, // refused by state: claim held by a live session, ask not found
  usage: 2, // usage or invalid input
  gate: 3, // refused by a gate
  askEnded: 4, // the ask a `_ ask` waits on was withdrawn or expired: no answer will come
  pulseDown: 5, // `_ wait`: the pulse is not running, so nothing will change
  locked: 75, // another pulse holds the lock
  timeout: 124,
  notFound: 127, // runner or dependency not found
} as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit] | 130 | 143;

export class LooopError extends Error {
  constructor(
    /** what happened, one line */
    readonly what: string,
    /** how to fix it, one line; empty when there is nothing to do */
    readonly fix: string,
    readonly code: ExitCode = Exit.usage,
    /** optional extra lines printed to stdout after the error (e.g. the pending asks) */
    readonly detail?: string,
  ) {
    super(fix ? `${what} — ${fix}` : what);
    this.name = "LooopError";
  }
}

export const usageError = (what: string, fix: string) => new LooopError(what, fix, Exit.usage);
