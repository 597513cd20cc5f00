/**
 * The system sensors, computed in-process (SPEC §5 step 2): sys-sessions, sys-claims, sys-goals,
 * sys-asks, whose signal is the set of asks waiting on a human, so raising, answering or
 * expiring one is a change of the world exactly once, and sys-schedules, whose signal is each
 * schedule's due-ness (core/schedules.ts), so a schedule coming due is a change exactly once.
 */
import { healthOf } from "../core/health.ts";
import type { Reading } from "../core/readings.ts";
import { schedulesReading } from "../core/schedules.ts";
import { readGoalActivity } from "../store/activity.ts";
import { pendingAsks } from "../store/asks.ts";
import { listClaims } from "../store/claims.ts";
import { readGoals } from "../store/goals.ts";
import type { DataDir } from "../store/layout.ts";
import { listSchedules } from "../store/schedules.ts";
import { lastOutput, listSessions, PULSE_ID, type SessionView } from "../store/sessions.ts";

/**
 * `stuckS`: the silence after which a live worker with no ask is stuck (core/health.ts). Its
 * health is in the signal, so a worker becoming stuck, or busy again, wakes the loop once: the
 * signal moves only when the threshold is crossed, not with every line a worker prints.
 */
export async function systemReadings(dd: DataDir, now: Date, stuckS: number): Promise<Record<string, Reading>> {
  const [sessions, claims, goals, activity, asks, schedules] = await Promise.all([
    listSessions(dd),
    listClaims(dd),
    readGoals(dd),
    readGoalActivity(dd),
    pendingAsks(dd),
    listSchedules(dd),
  ]);
  const workers = sessions.filter((s) => s.id !== PULSE_ID);
  const live = new Set(workers.filter((s) => s.status.kind === "running").map((s) => s.id));
  const ageS = (iso: string | undefined) => iso ? Math.round((now.getTime() - Date.parse(iso)) / 1000) : null;
  const asking = new Set(asks.map((a) => a.worker));
  const silentS = (s: SessionView) => s.status.kind === "running" ? ageS(lastOutput(s)?.toISOString()) : null;
  return {
    "sys-sessions": {
      signal: Object.fromEntries(workers.map((s) => [s.id, {
        state: s.status.kind,
        exit_code: s.status.kind === "exited" ? s.status.code : null,
        health: healthOf(
          { status: s.status.kind, lastOutputAt: lastOutput(s), pendingAsk: asking.has(s.id) },
          now,
          stuckS,
        ),
        // Its verify's verdict, once run: done for real, or only ended.
        ...(s.verify ? { verify: s.verify.ok ? "passed" : "failed" } : {}),
      }])),
      detail: {
        count: workers.length,
        running: live.size,
        ages_s: Object.fromEntries(workers.map((s) => [s.id, ageS(s.meta?.started)])),
        /** each verify's status and the end of its output */
        verify: Object.fromEntries(
          workers.filter((s) => s.verify).map((s) => [s.id, { status: s.verify?.status, tail: s.verify?.tail }]),
        ),
        /** seconds since each live worker last printed */
        silent_s: Object.fromEntries(workers.filter((s) => s.status.kind === "running").map((s) => [s.id, silentS(s)])),
      },
    },
    "sys-claims": {
      signal: Object.fromEntries(claims.filter((c) => live.has(c.session)).map((c) => [c.name, c.session])),
      detail: { all: claims },
    },
    "sys-asks": {
      signal: asks.map((a) => a.id).sort(),
      detail: Object.fromEntries(asks.map((a) => [a.id, { worker: a.worker, age_s: ageS(a.ts) }])),
    },
    "sys-schedules": schedulesReading(schedules, now),
    "sys-goals": {
      signal: {},
      detail: Object.fromEntries(goals.map((g) => [g.id, ageS(activity[g.id])])),
    },
  };
}
