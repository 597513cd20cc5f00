/**
 * A worker's health (issue #16): what a session is doing, from facts its files give. A live
 * worker is busy while it printed within the stuck threshold, waiting-ask while it blocks on an
 * ask, and stuck when it is silent past the threshold with no ask; an ended one is how it ended.
 * Pure: the caller passes the last output time and `now`.
 */
import { envNumber } from "./guards.ts";

/** Seconds of silence after which a live worker with no pending ask is stuck (LOOOP_WORKER_STUCK_SECS). */
export const DEFAULT_WORKER_STUCK_S = 900;

export type WorkerHealth = "busy" | "waiting-ask" | "stuck" | "exited" | "killed" | "done" | "dead";

export type HealthFacts = {
  /** the session's status kind (store/sessions.ts SessionStatus) */
  status: "running" | "exited" | "killed" | "done" | "dead";
  /** when it last printed (its output.log's mtime), else when it started; undefined: not known */
  lastOutputAt: Date | undefined;
  /** a live ask of this worker waits on a human */
  pendingAsk: boolean;
};

export function healthOf(f: HealthFacts, now: Date, stuckS: number): WorkerHealth {
  switch (f.status) {
    case "running": {
      if (f.pendingAsk) return "waiting-ask";
      // With no time known the worker is not called stuck: only silence that was measured is.
      if (!f.lastOutputAt) return "busy";
      return now.getTime() - f.lastOutputAt.getTime() >= stuckS * 1000 ? "stuck" : "busy";
    }
    case "exited":
    case "killed":
    case "done":
    case "dead":
      return f.status;
    default: {
      const never: never = f.status;
      return never;
    }
  }
}

/** The stuck threshold: the environment's value when it is a number ≥ 1, else the configured one (as guardLimits reads it). */
export function workerStuckS(envText: string | undefined, configured: number): number {
  return envNumber(envText, configured, 1);
}
