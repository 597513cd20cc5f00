/** Pulse log events (SPEC §5 "Log"): one line each, human-readable or NDJSON. */

export type Level = "debug" | "info" | "warn" | "error";
export type LogEvent = { ts: string; level: Level; event: string; msg: string } & Record<string, unknown>;

const COLOURS: Record<Level, number> = { debug: 2, info: 36, warn: 33, error: 31 };

export function formatEvent(ev: LogEvent, opts: { json: boolean; colour: boolean }): string {
  if (opts.json) return JSON.stringify(ev);
  const time = ev.ts.slice(11, 19);
  const name = opts.colour ? `\x1b[${COLOURS[ev.level]}m${ev.event.padEnd(14)}\x1b[0m` : ev.event.padEnd(14);
  return `${time} ${name} ${ev.msg}`;
}
