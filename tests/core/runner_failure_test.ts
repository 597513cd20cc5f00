/** Runner failures told apart (core/runner_failure.ts): transient, a usage limit with its reset time, or neither. */
import { assert, assertEquals } from "../assert.ts";
import {
  classifyRunnerFailure,
  LIMIT_GUESS_S,
  LIMIT_MAX_S,
  resetTime,
  retryDelayMs,
} from "../../src/core/runner_failure.ts";

const now = new Date("2026-12-01T12:00:00Z");
const inS = (s: number) => new Date(now.getTime() + s * 1000).toISOString();

Deno.test("transient failures: overload, 5xx, dropped connections", () => {
  for (
    const text of [
      'API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}',
      "Error: read ECONNRESET",
      "stream disconnected before completion: connection reset by peer",
      "HTTP 503 Service Unavailable",
    ]
  ) {
    const f = classifyRunnerFailure(text, now);
    assertEquals(f.kind, "transient", text);
  }
  assertEquals(classifyRunnerFailure("error: unknown option --foo", now).kind, "other");
  assertEquals(classifyRunnerFailure("the model answered in prose", now).kind, "other");
});

Deno.test("usage limits: the reset time as claude, codex and plain HTTP say it", () => {
  const cases: [string, string][] = [
    ["Claude AI usage limit reached|1796130000", new Date(1796130000 * 1000).toISOString()],
    ["You've hit your usage limit. Try again in 2 hours 5 minutes.", inS(2 * 3600 + 5 * 60)],
    ["429 Too Many Requests; retry-after: 120", inS(120)],
    ["rate_limit_error: resets at 2026-12-01T15:30:00Z", "2026-12-01T15:30:00.000Z"],
  ];
  for (const [text, until] of cases) {
    const f = classifyRunnerFailure(text, now);
    assert(f.kind === "limit", text);
    assertEquals([f.until.toISOString(), f.guessed], [until, false], text);
  }
});

Deno.test("usage limits: no reset time, a past one, or one too far off", () => {
  const none = classifyRunnerFailure("usage limit reached", now);
  assert(none.kind === "limit");
  assertEquals([none.until.toISOString(), none.guessed], [inS(LIMIT_GUESS_S), true]);
  const past = classifyRunnerFailure("rate limit; resets at 2026-12-01T11:00:00Z", now);
  assert(past.kind === "limit" && past.guessed);
  const far = classifyRunnerFailure("usage limit: try again in 30 days", now);
  assert(far.kind === "limit");
  assertEquals(far.until.toISOString(), inS(LIMIT_MAX_S));
  // A log line's timestamp elsewhere in the output does not count: the limit's own line does.
  const mixed = classifyRunnerFailure(
    "2026-12-09T00:00:00Z INFO start\nusage limit reached, try again in 10 minutes",
    now,
  );
  assert(mixed.kind === "limit");
  assertEquals(mixed.until.toISOString(), inS(600));
});

Deno.test("reset time: a clock time is the next such local time", () => {
  const local = new Date(2026, 11, 1, 14, 0, 0);
  assertEquals(resetTime("try again at 3:05 PM", local)?.getTime(), new Date(2026, 11, 1, 15, 5).getTime());
  assertEquals(resetTime("resets 9am", local)?.getTime(), new Date(2026, 11, 2, 9, 0).getTime(), "tomorrow");
  assertEquals(resetTime("at 3 apples", local), undefined);
});

Deno.test("retry delays: 1 s doubling, at most 30 s", () => {
  assertEquals([1, 2, 3, 6, 9].map(retryDelayMs), [1000, 2000, 4000, 30_000, 30_000]);
});
