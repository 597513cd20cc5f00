/**
 * The bookkeeping `_ state` reads on its fast path (no zod): .config-facts.json (what it needs
 * from the config, keyed by the config text's hash) and the pulse's sandbox note.
 */
import type { Today } from "../core/receipts.ts";
import { readJson, writeFileAtomic } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/** The guards and receipts of .pulse.json as `_ state` shows them. */
export type NotesView = {
  sandbox?: string;
  decides: string[];
  noop?: { at: string; ttl_s?: number };
  flapping: string[];
  runner_limit?: { until: string; reason: string; runner: string };
  /** sensors with a `looop:interval` header: when each last ran, and how often it may */
  sensor_runs: { sensor: string; at: string; every_s: number }[];
  today?: Today;
  /** the settings the pulse holds to, by their config names */
  limits?: Record<string, number>;
};

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/**
 * What `_ state` shows of .pulse.json (store/pulse_state.ts owns that file): the sandbox as the
 * pulse last found it, when the decides of the last day ran (the caps count them), the guards
 * that hold (the last noop, damped sensors, a runner's usage limit) and today's receipts. Read
 * here without its schema, since `_ state` loads no zod; anything of the wrong type is no note.
 */
export async function readNotesView(dd: DataDir): Promise<NotesView> {
  const r = await readJson(`${dd.root}/.pulse.json`);
  const v = r.kind === "parsed" && isObject(r.value) ? r.value : {};
  const out: NotesView = {
    decides: Array.isArray(v.decides) ? v.decides.filter((t): t is string => typeof t === "string") : [],
    sensor_runs: [],
    flapping: isObject(v.flap)
      ? Object.keys(v.flap).filter((k) => isObject(v.flap) && (v.flap[k] as { damped?: unknown })?.damped === true)
      : [],
  };
  if (typeof v.sandbox === "string") out.sandbox = v.sandbox;
  if (isObject(v.limits) && Object.values(v.limits).every(isCount)) out.limits = v.limits as Record<string, number>;
  if (isObject(v.sensor_ran)) {
    for (const [sensor, r] of Object.entries(v.sensor_ran)) {
      if (isObject(r) && typeof r.at === "string" && isCount(r.every_s)) {
        out.sensor_runs.push({ sensor, at: r.at, every_s: r.every_s });
      }
    }
  }
  if (isObject(v.noop) && typeof v.noop.at === "string") {
    out.noop = { at: v.noop.at, ...(isCount(v.noop.ttl_s) ? { ttl_s: v.noop.ttl_s } : {}) };
  }
  const l = v.runner_limit;
  if (isObject(l) && typeof l.until === "string" && typeof l.reason === "string" && typeof l.runner === "string") {
    out.runner_limit = { until: l.until, reason: l.reason, runner: l.runner };
  }
  const t = v.today;
  if (
    isObject(t) && typeof t.day === "string" && isCount(t.beats) && isCount(t.skips) && isCount(t.decides) &&
    isCount(t.failures) && isCount(t.spend_usd) && isObject(t.pauses) && Object.values(t.pauses).every(isCount)
  ) {
    const pauses = t.pauses as Record<string, number>;
    out.today = {
      day: t.day,
      beats: t.beats,
      skips: t.skips,
      decides: t.decides,
      failures: t.failures,
      pauses,
      spend_usd: t.spend_usd,
    };
  }
  return out;
}

/**
 * What `_ state` reads from the config (the budget, the stuck threshold, or why the file does not parse), stored under
 * the SHA-256 of the config's text so an unchanged config is not parsed again. Only a digest of
 * the text is kept: the config may hold secrets that sensors must not read.
 */
export type ConfigFacts = {
  sha256: string;
  budget: number | null;
  error: string | null;
  /** the configured stuck threshold (worker_stuck_s), for each session's health */
  worker_stuck_s: number;
};

export async function readConfigFacts(dd: DataDir): Promise<ConfigFacts | undefined> {
  const r = await readJson(dd.configFacts);
  const v = r.kind === "parsed" ? r.value as ConfigFacts | null : undefined;
  // Only a hint: a file that does not look right is parsed again, as if there were none.
  return v && typeof v.sha256 === "string" ? v : undefined;
}

export async function writeConfigFacts(dd: DataDir, facts: ConfigFacts): Promise<void> {
  await writeFileAtomic(dd.configFacts, JSON.stringify(facts) + "\n", 0o600, { durable: false });
}
