/** The pulse's log events (SPEC §5 "Log"): what an event is, and the function that records one. */

export type Level = "debug" | "info" | "warn" | "error";
export type LogEvent = { ts: string; level: Level; event: string; msg: string } & Record<string, unknown>;
export type Log = (level: Level, event: string, msg: string, fields?: Record<string, unknown>) => void;
