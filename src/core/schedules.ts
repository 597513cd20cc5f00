/**
 * Durable schedules (issue #16): a schedule's due-ness as a signal, from its file and the clock
 * alone, so no timer lives in memory and a restarted pulse derives the same signal. The clock
 * itself never enters the world hash: only what it makes of each schedule does.
 */
import type { Move } from "./moves.ts";
import type { Reading } from "./readings.ts";
import type { Schedule } from "./schemas.ts";

/**
 * A one-shot is "pending", then "due" from its time on (one change, so one decide; it stays due
 * until dropped). A repeating one is the number of periods since its anchor, which changes once
 * per period; a pulse that was down for several periods sees one change, never one per period.
 */
export type ScheduleSignal = "pending" | "due" | number;

export function scheduleSignal(s: Schedule, now: Date): ScheduleSignal {
  switch (s.kind) {
    case "once":
      return now.getTime() >= Date.parse(s.due) ? "due" : "pending";
    case "every":
      // A clock set back before the anchor stays at period 0 rather than counting down.
      return Math.max(0, Math.floor((now.getTime() - Date.parse(s.anchor)) / (s.every_s * 1000)));
    default: {
      const never: never = s;
      return never;
    }
  }
}

/** When the schedule's signal changes next: a pending one-shot's time, a repeating one's next period; none for a due one-shot. */
export function nextDue(s: Schedule, now: Date): Date | undefined {
  switch (s.kind) {
    case "once":
      return scheduleSignal(s, now) === "pending" ? new Date(s.due) : undefined;
    case "every": {
      const period = scheduleSignal(s, now) as number;
      return new Date(Date.parse(s.anchor) + (period + 1) * s.every_s * 1000);
    }
    default: {
      const never: never = s;
      return never;
    }
  }
}

type WriteSchedule = Extract<Move, { action: "write_schedule" }>;

/** The file a `write_schedule` move writes at `now`: due in `in_s`, or every `every_s` from now. */
export function scheduleOf(move: WriteSchedule, now: Date): Schedule {
  const common = { name: move.name, note: move.note ?? "", created: now.toISOString() };
  if (move.every_s !== undefined) {
    return { ...common, kind: "every", every_s: move.every_s, anchor: now.toISOString() };
  }
  return { ...common, kind: "once", due: new Date(now.getTime() + (move.in_s ?? 0) * 1000).toISOString() };
}

/** A schedule file as found: its contents, or why it is unreadable (it is then left out of the signal's due-ness). */
export type ScheduleEntry = { name: string; schedule: Schedule } | { name: string; corrupt: string };

/** The soonest time any schedule's signal changes, for the pulse to wake at; none when nothing is pending. */
export function nextWake(entries: ScheduleEntry[], now: Date): Date | undefined {
  let soonest: Date | undefined;
  for (const e of entries) {
    if (!("schedule" in e)) continue;
    const next = nextDue(e.schedule, now);
    if (next && (!soonest || next < soonest)) soonest = next;
  }
  return soonest;
}

/**
 * The `sys-schedules` reading: signal name → due-ness ("corrupt" for a file that does not parse,
 * so a broken one is news once, and never a crash); detail: each one's kind, note, and next time.
 */
export function schedulesReading(entries: ScheduleEntry[], now: Date): Reading {
  const signal: Record<string, ScheduleSignal | "corrupt"> = {};
  const detail: Record<string, unknown> = {};
  for (const e of entries) {
    if (!("schedule" in e)) {
      signal[e.name] = "corrupt";
      detail[e.name] = { corrupt: e.corrupt, fix: `rewrite it with write_schedule or drop it with drop_schedule` };
      continue;
    }
    const s = e.schedule;
    const state = scheduleSignal(s, now);
    detail[e.name] = s.kind === "once" ? { kind: "once", due: s.due, state, note: s.note } : {
      kind: "every",
      every_s: s.every_s,
      period: state,
      next: nextDue(s, now)?.toISOString() ?? null,
      note: s.note,
    };
    signal[e.name] = state;
  }
  return { signal, detail };
}
