/**
 * config.json (SPEC §3): JSONC text → a validated config with the built-in runner presets merged
 * under the user's own runners. Pure: the caller reads the file and passes its text.
 */
import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { LooopError } from "./errors.ts";
import { parseJsonc } from "./jsonc.ts";
import { RUNNER_PRESETS } from "./presets.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./moves.ts";
import { DEFAULT_WORKER_STUCK_S } from "./health.ts";
import { CostSpecSchema, PriceTableSchema } from "./schemas.ts";

/** An absolute path, or one under the home dir (`~/…`). */
const absolutePath = z.string().min(1).refine((p) => p.startsWith("/") || p.startsWith("~/"), {
  message: "must be an absolute path (or ~/…)",
});

export const RunnerSchema = z.strictObject({
  tick: z.string().min(1).optional(),
  interactive: z.string().min(1).optional(),
  resume: z.string().min(1).optional(),
  cost: CostSpecSchema.optional(),
  /** the runner CLI's own state, writable by its confined decide: "~/.dir/" (a dir, made) or "~/.file" (if there) */
  state: z.array(absolutePath).optional(),
});
export type RunnerConfig = z.infer<typeof RunnerSchema>;

const duration = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: 'expected a duration such as "90s", "15m", "2h" or "3d"',
});

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, "i");
    return true;
  } catch {
    return false;
  }
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "not an environment variable name" });

export const SandboxSchema = z.strictObject({
  mode: z.enum(["auto", "required", "off"]).default("auto"),
  /** hosts sensors may reach (a header may narrow this per sensor) */
  allow_net: z.array(z.string().min(1)).default([]),
  /** hosts run_shell may reach: none unless listed */
  run_shell_net: z.array(z.string().min(1)).default([]),
  /**
   * set: the decide's runner runs inside the OS sandbox too, reaching only these hosts (its model
   * API), writing only its run dir, its own state dirs and allow_write
   */
  decide_net: z.array(z.string().min(1)).optional(),
  /** variables of looop's environment handed to sandboxed code, beyond the minimal set */
  pass_env: z.array(envName).default([]),
  /** absolute paths sandboxed code may write, beside the data dir's scratch/ */
  allow_write: z.array(absolutePath).default([]),
});

/** Earlier PLAYBOOKs a write keeps when neither the config nor the environment says. */
export const DEFAULT_PLAYBOOK_KEEP = 20;

export const ConfigSchema = z.strictObject({
  default: z.string().min(1).default("pi"),
  runners: z.record(z.string(), RunnerSchema).default({}),
  interval: z.number().positive().finite().default(60),
  max_daily_usd: z.number().positive().finite().optional(),
  session_ttl: duration.default("3d"),
  max_workers: z.number().int().positive().default(8),
  max_body_bytes: z.number().int().positive().default(DEFAULT_MAX_BODY_BYTES),
  /** spend guards: decides (runner calls) allowed in any hour and any day (LOOOP_MAX_DECIDES_PER_HOUR) */
  max_decides_per_hour: z.number().int().positive().default(30),
  max_decides_per_day: z.number().int().positive().default(300),
  /** a move's next_interval_s is honoured up to this (LOOOP_MAX_NEXT_INTERVAL); longer waits are schedules */
  max_next_interval_s: z.number().int().min(5).default(300),
  /** the decide's deadline (LOOOP_TICK_TIMEOUT_SECS) */
  tick_timeout_s: z.number().positive().finite().default(600),
  /** a world that ended in a noop is decided again at most this often (LOOOP_NOOP_TTL, seconds) */
  noop_ttl_s: z.number().positive().finite().default(6 * 3600),
  /** a live worker silent this long with no ask pending is stuck (LOOOP_WORKER_STUCK_SECS) */
  worker_stuck_s: z.number().positive().finite().default(DEFAULT_WORKER_STUCK_S),
  /** a sensor whose signal changed on this many beats in a row is damped (LOOOP_FLAP_STREAK) */
  flap_streak: z.number().int().min(2).default(4),
  /** a transient runner failure (overload, connection reset) is retried this often in the beat (LOOOP_RUNNER_RETRIES) */
  runner_retries: z.number().int().min(0).max(10).default(2),
  /** earlier PLAYBOOKs kept in playbook.d/, one per write (LOOOP_PLAYBOOK_KEEP); 0 keeps none */
  playbook_keep: z.number().int().min(0).default(DEFAULT_PLAYBOOK_KEEP),
  // A pattern that does not compile would be skipped by the run_shell gate: a guardrail silently off.
  irreversible: z.array(z.string().min(1).refine(isRegExp, { message: "not a valid regular expression" })).default([]),
  prices: PriceTableSchema.default({}),
  sandbox: SandboxSchema.default({ mode: "auto", allow_net: [], run_shell_net: [], pass_env: [], allow_write: [] }),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Keys present in `raw` that the schema does not know, as key paths. */
function unknownKeys(raw: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  const check = (shape: object, obj: unknown, prefix: string[]) => {
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) return;
    for (const k of Object.keys(obj)) if (!Object.hasOwn(shape, k)) out.push([...prefix, k]);
  };
  check(ConfigSchema.shape, raw, []);
  check(SandboxSchema.shape, raw.sandbox, ["sandbox"]);
  const runners = raw.runners;
  if (runners && typeof runners === "object" && !Array.isArray(runners)) {
    for (const [name, r] of Object.entries(runners)) check(RunnerSchema.shape, r, ["runners", name]);
  }
  return out;
}

function withoutKeys(raw: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  const copy = structuredClone(raw);
  for (const path of paths) {
    let node = copy;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
    delete node[path[path.length - 1]];
  }
  return copy;
}

export type LoadedConfig = { config: Config; warnings: string[] };

export type Runner = {
  name: string;
  tick: string;
  interactive: string;
  resume?: string;
  cost?: RunnerConfig["cost"];
  state?: string[];
};

/** Validate config text (undefined = no file: all defaults). */
export function parseConfig(text: string | undefined, file: string): LoadedConfig {
  if (text === undefined || text.trim() === "") return { config: ConfigSchema.parse({}), warnings: [] };
  const raw = parseJsonc(text, file);
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new LooopError(`${file}: expected a JSON object at the top level`, "wrap the settings in { … }");
  }
  const unknown = unknownKeys(raw as Record<string, unknown>);
  const r = ConfigSchema.safeParse(withoutKeys(raw as Record<string, unknown>, unknown));
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.join(".") || "(top level)";
    throw new LooopError(
      `${file}: ${path}: ${issue.message}`,
      "fix that key (see `looop help`, section CONFIG) or remove it to get the default",
    );
  }
  const warnings = unknown.length
    ? [`${file}: unknown key${unknown.length > 1 ? "s" : ""} ignored: ${unknown.map((p) => p.join(".")).join(", ")}`]
    : [];
  return { config: r.data, warnings };
}

/** What is wrong when the default runner does not resolve (each caller adds its own fix). */
export function runnerProblem(config: Config): string {
  return `runner '${config.default}' has no tick or no interactive command`;
}

/** The runner named `name`: the preset with the user's fields over it. */
export function resolveRunner(config: Config, name = config.default): Runner | undefined {
  const merged = { ...RUNNER_PRESETS[name], ...config.runners[name] };
  if (!merged.tick || !merged.interactive) return undefined;
  return {
    name,
    tick: merged.tick,
    interactive: merged.interactive,
    resume: merged.resume,
    cost: merged.cost,
    state: merged.state,
  };
}

export function runnerNames(config: Config): string[] {
  return [...new Set([...Object.keys(RUNNER_PRESETS), ...Object.keys(config.runners)])].sort();
}
