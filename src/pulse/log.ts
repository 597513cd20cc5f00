/** The pulse's event log: to stdout (`up --foreground`) or to sessions/pulse/output.log. */
import { formatEvent, type Level, type LogEvent } from "../core/events.ts";

export type Log = (level: Level, event: string, msg: string, fields?: Record<string, unknown>) => void;

export function makeLog(sink: { writeSync(p: Uint8Array): number }, opts: { json: boolean; colour: boolean }): Log {
  const enc = new TextEncoder();
  return (level, event, msg, fields = {}) => {
    const ev: LogEvent = { ts: new Date().toISOString(), level, event, msg, ...fields };
    const bytes = enc.encode(formatEvent(ev, opts) + "\n");
    let off = 0;
    while (off < bytes.length) off += sink.writeSync(bytes.subarray(off));
  };
}
