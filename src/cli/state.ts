/**
 * `_ state` and `_ sessions` / `_ worker list`: one JSON document or a readable summary. No
 * commander, no zod here: src/main.ts runs them without the CLI program.
 */
import { formatAge } from "../core/duration.ts";
import { readState, type SessionRow, sessionRows, type StateDoc } from "../state/state.ts";
import { resolveDataDir } from "../store/layout.ts";
import { ensureDataDir } from "../store/seed.ts";
import { PULSE_ID } from "../store/sessions.ts";
import { exists } from "../sys/fs.ts";
import { print, printJson, styles } from "./io.ts";

const usd = (n: number) => `$${n.toFixed(2)}`;

export function renderState(s: StateDoc, now: Date): string {
  const { bold, dim, red } = styles();
  const out: string[] = [];
  const h = (title: string, n?: number) => out.push(bold(n === undefined ? title : `${title} (${n})`));
  const { decide } = s.pulse;
  const deciding = decide
    ? `, deciding with ${decide.runner} for ${formatAge((now.getTime() - Date.parse(decide.since)) / 1000)}`
    : "";
  out.push(
    `${bold("pulse")}     ${s.pulse.up ? `up${s.pulse.runner ? ` (${s.pulse.runner})` : ""}${deciding}` : "down"}`,
  );
  if (s.pulse.paused) {
    const why = s.pulse.paused.reason ? `: ${s.pulse.paused.reason}` : "";
    out.push(`${bold("paused")}    since ${s.pulse.paused.since}${why} (no decides, no new workers; \`looop resume\`)`);
  }
  out.push(`${bold("data dir")}  ${s.data_dir}`);
  if (s.sandbox) out.push(`${bold("sandbox")}   ${s.sandbox}`);
  if (s.config.error) {
    out.push(`${bold("config")}    ${red(`BROKEN: ${s.config.error}`)} ${dim("(beats fail until it is fixed)")}`);
  }
  const decided = s.last_tick_hash === null
    ? "never decided"
    : s.last_tick_hash === s.world_hash
    ? "decided"
    : "changed since last decide";
  out.push(`${bold("world")}     ${s.world_hash.slice(0, 12)} ${dim(`(${decided})`)}`);
  const t = s.today;
  const paused = Object.entries(t.pauses).map(([k, v]) => `${k} ${v}`).join(", ");
  out.push(
    `${bold("today")}     ${t.beats} beats: ${t.skips} skipped, ${t.decides} decided, ${t.failures} failed` +
      (paused ? `, paused: ${paused}` : ""),
  );
  const g = s.guards;
  if (g.runner_limit) {
    out.push(
      `${
        bold("limit")
      }     runner ${g.runner_limit.runner}: ${g.runner_limit.reason} — no decide until ${g.runner_limit.until}`,
    );
  }
  if (g.backoff) {
    out.push(
      `${bold("backoff")}   ${g.backoff.failures} failed decide(s) since ${g.backoff.since}: ${g.backoff.reason}`,
    );
  }
  if (g.flapping.length) out.push(`${bold("flapping")}  ${g.flapping.join(", ")} ${dim("(not waking the loop)")}`);
  if (g.noop?.redecide_at && s.last_tick_hash === s.world_hash) {
    out.push(
      `${bold("settled")}   by a noop at ${g.noop.at} ${
        dim(`(decided again at ${g.noop.redecide_at} if nothing changes)`)
      }`,
    );
  }
  out.push(
    `${bold("decides")}   ${s.decides.last_hour} in the last hour, ${s.decides.last_day} in the last day`,
    `${bold("spend")}     ${usd(s.spend.today_usd)} today${
      s.spend.budget_usd === null ? "" : ` of ${usd(s.spend.budget_usd)}`
    }`,
  );
  h("goals", s.goals.length);
  for (const g of s.goals) {
    const acted = g.last_acted
      ? `acted ${formatAge((now.getTime() - Date.parse(g.last_acted)) / 1000)} ago`
      : "never acted on";
    out.push(`  ${g.id.padEnd(20)} ${g.goal ?? ""} ${dim(acted)}`);
  }
  const readings = Object.entries(s.readings);
  h("readings", readings.length);
  for (const [name, r] of readings) out.push(`  ${name.padEnd(20)} ${JSON.stringify(r).slice(0, 100)}`);
  h("asks pending", s.asks.length);
  for (const a of s.asks) {
    const opts = a.options ? ` [${a.options.join("/")}]` : "";
    out.push(`  ${a.id.padEnd(20)} ${a.prompt.split("\n")[0].slice(0, 80)}${opts}`);
  }
  h("sessions", s.sessions.length);
  for (const x of s.sessions) {
    const age = x.age_s === null ? "" : formatAge(x.age_s);
    const code = x.exit_code === null ? "" : ` exit ${x.exit_code}`;
    const health = x.state === "running" && x.id !== PULSE_ID ? ` (${x.health})` : "";
    out.push(`  ${x.id.padEnd(20)} ${x.state}${health}${code} ${dim([x.runner, age].filter(Boolean).join(", "))}`);
  }
  h("claims", s.claims.length);
  for (const c of s.claims) out.push(`  ${c.name.padEnd(20)} ${c.session}${c.live ? "" : dim(" (holder gone)")}`);
  h("journal");
  for (const line of s.journal) out.push(`  ${line}`);
  return out.join("\n");
}

/** The data dir, seeded on first use; read-only once seeded (missing folders read as empty). */
async function readableDataDir() {
  const found = resolveDataDir();
  return (await exists(found.seeded)) ? found : await ensureDataDir(found);
}

export async function stateCommand(opts: { json?: boolean }): Promise<void> {
  const dd = await readableDataDir();
  const now = new Date();
  const s = await readState(dd, now);
  if (opts.json) printJson(s);
  else print(renderState(s, now));
}

/** One row of `_ sessions` and `_ worker list`: the live ones' health beside their state. */
function sessionLine(r: SessionRow): string {
  return [
    r.id.padEnd(20),
    r.state.padEnd(8),
    (r.state === "running" ? r.health : "").padEnd(11),
    String(r.pid ?? "-").padEnd(8),
    (r.runner ?? "-").padEnd(10),
    r.age_s === null ? "-" : formatAge(r.age_s),
    r.exit_code === null ? "" : `exit ${r.exit_code}`,
    r.verify ? `verify ${r.verify.ok ? "passed" : `failed (${r.verify.status})`}` : "",
  ].join(" ").trimEnd() + (r.last_lines ? `\n${r.last_lines.map((l) => `    | ${l}`).join("\n")}` : "");
}

/** `_ sessions` (the pulse and every worker) or `_ worker list` (workers only). */
export async function sessionsCommand(opts: { json: boolean; workersOnly: boolean }): Promise<void> {
  const all = await sessionRows(await readableDataDir(), new Date());
  const rows = opts.workersOnly ? all.filter((r) => r.id !== PULSE_ID) : all;
  if (opts.json) return printJson(rows);
  if (!rows.length) return print(opts.workersOnly ? "no workers" : "no sessions");
  for (const r of rows) print(sessionLine(r));
}
