/**
 * What kind of failure a runner's output describes (SPEC §5 step 7): transient (an overloaded
 * API, a dropped connection: worth a retry in the same beat), a usage or rate limit (no decide
 * until its reset time, which the runner often prints), or anything else (a failure, backed off).
 */

export type RunnerFailure =
  | { kind: "transient"; why: string }
  | {
    kind: "limit";
    why: string;
    until: Date; /** the runner printed no reset time: `until` is a guess */
    guessed: boolean;
  }
  | { kind: "other" };

/** How long a usage limit with no reset time pauses decides. */
export const LIMIT_GUESS_S = 15 * 60;
/** A reset further off than this is not believed: the pause ends here and the decide tries again. */
export const LIMIT_MAX_S = 7 * 24 * 3600;

const LIMIT =
  /usage limit|rate[ _-]?limit|quota (?:exceeded|reached)|too many requests|\b429\b|limit reached|hit your limit|insufficient_quota/i;
const TRANSIENT =
  /overloaded|\b529\b|\b50[234]\b|service unavailable|bad gateway|gateway timeout|ECONNRESET|connection (?:reset|closed|refused|error)|socket hang up|ETIMEDOUT|EAI_AGAIN|network error|fetch failed|temporarily unavailable|stream (?:error|disconnected)/i;

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "in 2 hours 5 minutes", "after 90s", "retry-after: 120": the seconds said, or undefined. */
function relativeSeconds(text: string): number | undefined {
  const m =
    /(?:\bin|\bafter|retry[- ]after:?)\s+((?:\d+(?:\.\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b[\s,and]*)+)/i
      .exec(text);
  if (m) {
    let total = 0;
    for (const part of m[1].matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)) {
      total += Number(part[1]) * UNIT_S[part[2][0].toLowerCase()];
    }
    return total;
  }
  const bare = /retry[- ]after["']?\s*[:=]\s*["']?(\d+)\b/i.exec(text);
  return bare ? Number(bare[1]) : undefined;
}

/** The reset time a limit message names: an ISO time, epoch seconds (claude's `…|1767225600`), a delay, or a clock time. */
export function resetTime(text: string, now: Date): Date | undefined {
  const iso = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/.exec(text);
  if (iso && Number.isFinite(Date.parse(iso[0].replace(" ", "T")))) {
    return new Date(Date.parse(iso[0].replace(" ", "T")));
  }
  const epoch = /(?:\||reset\w*["']?\s*[:=]?\s*["']?)(\d{10})(?:\d{3})?\b/i.exec(text);
  if (epoch) return new Date(Number(epoch[1]) * 1000);
  const rel = relativeSeconds(text);
  if (rel !== undefined) return new Date(now.getTime() + rel * 1000);
  // "try again at 3:05 PM", "resets 9pm": the next such local time.
  const clock = /\b(?:at|resets?)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b/i.exec(text);
  if (clock && (clock[2] !== undefined || clock[3] !== undefined)) {
    let h = Number(clock[1]) % 12;
    if (!clock[3]) h = Number(clock[1]);
    else if (clock[3].toLowerCase() === "pm") h += 12;
    if (h > 23) return undefined;
    const t = new Date(now);
    t.setHours(h, Number(clock[2] ?? 0), 0, 0);
    if (t.getTime() <= now.getTime()) t.setDate(t.getDate() + 1);
    return t;
  }
  return undefined;
}

/** The first line of `text` that matches `re` (the whole text when none does). */
function lineWith(text: string, re: RegExp): string {
  return text.split("\n").find((l) => re.test(l)) ?? text;
}

/** Classify a failed decide from what the runner said (its error, stderr, final text). */
export function classifyRunnerFailure(text: string, now: Date): RunnerFailure {
  if (LIMIT.test(text)) {
    const line = lineWith(text, LIMIT);
    // The reset time on the limit's own line first: other lines may carry a log's timestamps.
    const at = resetTime(line, now) ?? resetTime(text, now);
    const why = line.trim().slice(0, 160);
    const max = now.getTime() + LIMIT_MAX_S * 1000;
    if (at && at.getTime() > now.getTime()) {
      return { kind: "limit", why, until: new Date(Math.min(at.getTime(), max)), guessed: false };
    }
    return { kind: "limit", why, until: new Date(now.getTime() + LIMIT_GUESS_S * 1000), guessed: true };
  }
  if (TRANSIENT.test(text)) return { kind: "transient", why: lineWith(text, TRANSIENT).trim().slice(0, 160) };
  return { kind: "other" };
}

/** The wait before retry `attempt` (1, 2, …) of a transient failure: 1 s, 2 s, 4 s, … at most 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 30_000);
}
