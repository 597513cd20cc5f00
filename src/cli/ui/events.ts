/** The pulse's log on a terminal or in sessions/pulse/output.log: one line per event, readable or NDJSON. */
import type { Level, Log, LogEvent } from "../../core/log.ts";

const COLOURS: Record<Level, number> = { debug: 2, info: 36, warn: 33, error: 31 };

export function formatEvent(ev: LogEvent, opts: { json: boolean; colour: boolean }): string {
  if (opts.json) return JSON.stringify(ev);
  const time = ev.ts.slice(11, 19);
  const name = opts.colour ? `\x1b[${COLOURS[ev.level]}m${ev.event.padEnd(14)}\x1b[0m` : ev.event.padEnd(14);
  return `${time} ${name} ${ev.msg}`;
}

/** A Log that writes each event whole to `sink` (stdout for `up --foreground`, else the pulse's output.log). */
export function makeLog(sink: { writeSync(p: Uint8Array): number }, opts: { json: boolean; colour: boolean }): Log {
  const enc = new TextEncoder();
  return (level, event, msg, fields = {}) => {
    const ev: LogEvent = { ts: new Date().toISOString(), level, event, msg, ...fields };
    const bytes = enc.encode(formatEvent(ev, opts) + "\n");
    let off = 0;
    while (off < bytes.length) off += sink.writeSync(bytes.subarray(off));
  };
}
