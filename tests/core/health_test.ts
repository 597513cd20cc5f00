/** A worker's health (core/health.ts): busy, waiting-ask or stuck while it runs, how it ended after. */
import { assertEquals } from "../assert.ts";
import { healthOf, workerStuckS } from "../../src/core/health.ts";

const now = new Date("2026-12-01T12:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);

Deno.test("healthOf: silence flips busy to stuck exactly at the threshold; an ask is waiting-ask, never stuck", () => {
  const live = (lastS: number | undefined, pendingAsk = false) =>
    healthOf({ status: "running", lastOutputAt: lastS === undefined ? undefined : ago(lastS), pendingAsk }, now, 900);
  assertEquals([live(0), live(899), live(900), live(5000)], ["busy", "busy", "stuck", "stuck"]);
  assertEquals([live(10, true), live(5000, true)], ["waiting-ask", "waiting-ask"]);
  assertEquals(live(undefined), "busy", "no measured silence: not called stuck");
});

Deno.test("healthOf: an ended session is how it ended, whatever its output or asks", () => {
  for (const status of ["exited", "killed", "done", "dead"] as const) {
    assertEquals(healthOf({ status, lastOutputAt: ago(99999), pendingAsk: true }, now, 1), status);
  }
});

Deno.test("workerStuckS: the environment's number (≥ 1) wins, anything else leaves the config's", () => {
  assertEquals(["2", " 30 ", "0", "-5", "soon", "", undefined].map((v) => workerStuckS(v, 900)), [
    2,
    30,
    900,
    900,
    900,
    900,
    900,
  ]);
});
