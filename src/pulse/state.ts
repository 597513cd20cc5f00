/**
 * One snapshot of everything a human or a concierge needs (`_ state`), and `_ wait`.
 * This path loads no zod and no Node compatibility layer: `_ state` must start almost as fast as
 * an empty Deno script (bench/state_bench.ts).
 */
import { spentToday } from "../core/cost.ts";
import type { Ask } from "../core/schemas.ts";
import { sha256Hex, worldHash } from "../core/world.ts";
import { readTextIfExists } from "../sys/fs.ts";
import { waitFor } from "../sys/watch.ts";
import { readGoalActivity } from "../store/activity.ts";
import { type ConfigFacts, readConfigFacts, readNotes, writeConfigFacts } from "../store/bookkeeping.ts";
import { pendingAsks } from "../store/asks.ts";
import { listClaims } from "../store/claims.ts";
import { goalLine, readGoals, readPlaybook } from "../store/goals.ts";
import { journalTail } from "../store/journal.ts";
import type { DataDir } from "../store/layout.ts";
import { readLedger } from "../store/ledger.ts";
import { isSessionAlive, listSessions, PULSE_ID } from "../store/sessions.ts";
import { readReadings } from "../store/snapshots.ts";

export type SessionRow = {
  id: string;
  state: "running" | "exited" | "killed" | "dead";
  pid: number | null;
  runner: string | null;
  age_s: number | null;
  exit_code: number | null;
};

export type StateDoc = {
  data_dir: string;
  config: { path: string; error: string | null };
  pulse: { up: boolean };
  /** the OS sandbox as the pulse last found it ("on", "off: <reason>"), null before any beat */
  sandbox: string | null;
  world_hash: string;
  last_tick_hash: string | null;
  goals: { id: string; goal: string | null; last_acted: string | null }[];
  readings: Record<string, unknown>;
  asks: Ask[];
  sessions: SessionRow[];
  claims: { name: string; session: string; ts: string; live: boolean }[];
  spend: { today_usd: number; budget_usd: number | null };
  journal: string[];
};

/**
 * The configured daily budget, read without the schema (the pulse validates the file fully).
 * Parsed once per config text: the facts are kept under the text's hash, and the JSONC parser is
 * loaded (by a computed URL, so Deno does not prepare it up front) only when the text changed.
 */
async function readBudget(dd: DataDir): Promise<{ budget: number | null; error: string | null }> {
  const text = await readTextIfExists(dd.configPath);
  if (text === undefined || !text.trim()) return { budget: null, error: null };
  const sha256 = await sha256Hex(text);
  const known = await readConfigFacts(dd);
  if (known?.sha256 === sha256) return { budget: known.budget, error: known.error };
  const { parseJsonc }: typeof import("../core/jsonc.ts") = await import(
    new URL("../core/jsonc.ts", import.meta.url).href
  );
  let facts: ConfigFacts;
  try {
    const v = parseJsonc(text, dd.configPath) as { max_daily_usd?: unknown } | null;
    const b = v?.max_daily_usd;
    facts = { sha256, budget: typeof b === "number" && b > 0 ? b : null, error: null };
  } catch (e) {
    facts = { sha256, budget: null, error: e instanceof Error ? e.message : String(e) };
  }
  await writeConfigFacts(dd, facts).catch(() => {}); // a read-only data dir still gets its answer
  return { budget: facts.budget, error: facts.error };
}

export async function sessionRows(dd: DataDir, now: Date): Promise<SessionRow[]> {
  return (await listSessions(dd)).map((s) => ({
    id: s.id,
    state: s.status.kind,
    pid: s.meta?.pid ?? null,
    runner: s.meta?.runner ?? null,
    age_s: s.meta?.started ? Math.max(0, Math.round((now.getTime() - Date.parse(s.meta.started)) / 1000)) : null,
    exit_code: s.status.kind === "exited" ? s.status.code : null,
  }));
}

/** The world hash as the pulse computes it, from the files as they are now. */
export async function currentWorldHash(dd: DataDir): Promise<string> {
  const [playbook, goals, readings] = await Promise.all([readPlaybook(dd), readGoals(dd), readReadings(dd)]);
  return worldHash({ playbook, goals: Object.fromEntries(goals.map((g) => [g.id, g.text])), readings });
}

export async function readState(dd: DataDir, now: Date): Promise<StateDoc> {
  const [
    playbook,
    goals,
    readings,
    asks,
    sessions,
    claims,
    ledger,
    journal,
    activity,
    budget,
    pulseUp,
    lastHash,
    notes,
  ] = await Promise.all([
    readPlaybook(dd),
    readGoals(dd),
    readReadings(dd),
    pendingAsks(dd),
    sessionRows(dd, now),
    listClaims(dd),
    readLedger(dd),
    journalTail(dd, 20),
    readGoalActivity(dd),
    readBudget(dd),
    isSessionAlive(dd, PULSE_ID),
    readTextIfExists(dd.lastTickHash),
    readNotes(dd),
  ]);
  const hash = await worldHash({
    playbook,
    goals: Object.fromEntries(goals.map((g) => [g.id, g.text])),
    readings,
  });
  const live = new Set(sessions.filter((s) => s.state === "running").map((s) => s.id));
  return {
    data_dir: dd.root,
    config: { path: dd.configPath, error: budget.error },
    pulse: { up: pulseUp },
    sandbox: notes.sandbox ?? null,
    world_hash: hash,
    last_tick_hash: lastHash?.trim() || null,
    goals: goals.map((g) => ({ id: g.id, goal: goalLine(g.text) ?? null, last_acted: activity[g.id] ?? null })),
    readings,
    asks,
    sessions,
    claims: claims.map((c) => ({ name: c.name, session: c.session, ts: c.ts, live: live.has(c.session) })),
    spend: { today_usd: spentToday(ledger.records, now), budget_usd: budget.budget },
    journal,
  };
}

/**
 * Block until a pending ask exists or (unless onlyAsks) the world hash moves from its value now.
 * Level-triggered: a pending ask that already exists returns at once.
 */
export async function waitForChange(
  dd: DataDir,
  opts: { onlyAsks: boolean; timeoutS?: number; pollMs?: number },
): Promise<"ask" | "world" | "timeout"> {
  const start = opts.onlyAsks ? "" : await currentWorldHash(dd);
  const r = await waitFor(
    [dd.root, dd.goalsDir, dd.snapshotsDir, dd.asksDir, dd.answersDir],
    async () => {
      if ((await pendingAsks(dd)).length > 0) return "ask" as const;
      if (!opts.onlyAsks && (await currentWorldHash(dd)) !== start) return "world" as const;
      return undefined;
    },
    { timeoutMs: opts.timeoutS === undefined ? undefined : opts.timeoutS * 1000, pollMs: opts.pollMs ?? 1000 },
  );
  return r.kind === "timeout" ? "timeout" : r.value;
}
