/**
 * The decider (SPEC §5 step 7): the prompt on the runner's stdin, its event stream to the pulse
 * log and to runs/<run_id>/, the cost metered off the same stream, and ONE move taken from
 * .decision.json (if the runner wrote one) or from the final answer text.
 */
import type { Runner } from "../core/config.ts";
import { extractOneObject } from "../core/extract.ts";
import { commandProgram } from "../core/shell.ts";
import { type PriceTable, summarizeStream } from "../core/stream.ts";
import {
  ensureDir,
  exists,
  listNames,
  openAppend,
  readTextIfExists,
  removeIfExists,
  removeTree,
  writeFileAtomic,
} from "../sys/fs.ts";
import { env, wholeEnv } from "../sys/env.ts";
import { onPath, processStart } from "../sys/process.ts";
import { runConfined, type Sandbox } from "../sys/sandbox.ts";
import { type RunOptions, runProcess, type RunResult } from "../sys/spawn.ts";
import { classifyRunnerFailure, type RunnerFailure } from "../core/runner_failure.ts";
import { clearDecideFlight, writeDecideFlight } from "../store/inflight.ts";
import type { DataDir } from "../store/layout.ts";

export type DecideResult =
  & {
    runId: string;
    /** undefined: the runner reported no cost (unmetered) */
    costUsd: number | undefined;
  }
  & (
    | { kind: "move"; value: Record<string, unknown> }
    /** `failure`: what kind the runner's own words make it (a retry, a usage limit, or neither) */
    | { kind: "failed"; reason: string; notFound?: boolean; failure?: RunnerFailure }
    /** `signal` was aborted (the pulse is stopping): the runner's group was ended */
    | { kind: "stopped" }
  );

export const RUNS_KEPT = 50;

/** `YYYYMMDD-HHMMSS-mmm-xxxx`: names sort by time, to the millisecond. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").replace(".", "-").slice(0, 19);
  const rand = crypto.getRandomValues(new Uint16Array(1))[0].toString(16).padStart(4, "0");
  return `${stamp}-${rand}`;
}

/** Keep the newest RUNS_KEPT runs (names sort by time). */
export async function pruneRuns(dd: DataDir, keep = RUNS_KEPT): Promise<void> {
  const runs = await listNames(dd.runsDir);
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    await removeTree(`${dd.runsDir}/${old}`).catch(() => {});
  }
}

export async function decide(
  dd: DataDir,
  opts: {
    runner: Runner;
    prompt: string;
    timeoutS: number;
    /** config.json's `prices` (by model, runner or `default`) */
    prices?: PriceTable;
    now: Date;
    configPath: string;
    onStreamLine?: (line: string) => void;
    /** aborting it ends the runner's whole group at once (the pulse stopping) */
    signal?: AbortSignal;
    /**
     * sandbox.decide_net is set: the runner runs inside the OS sandbox, reaching only `net`, writing
     * only its run dir, its own state (Runner.state) and the policy's places
     */
    confine?: { sandbox: Sandbox; net: string[] };
  },
): Promise<DecideResult> {
  const runId = newRunId(opts.now);
  const dir = `${dd.runsDir}/${runId}`;
  await ensureDir(dir, 0o700);
  await writeFileAtomic(`${dir}/prompt.md`, opts.prompt, 0o600);
  const fail = async (
    reason: string,
    costUsd: number | undefined,
    notFound = false,
    said?: string,
  ): Promise<DecideResult> => {
    await writeFileAtomic(
      `${dir}/result.json`,
      JSON.stringify({ ok: false, reason, cost_usd: costUsd ?? null }) + "\n",
      0o600,
    );
    const failure = said?.trim() ? classifyRunnerFailure(said, opts.now) : undefined;
    return { runId, costUsd, kind: "failed", reason, notFound, ...(failure ? { failure } : {}) };
  };
  const program = commandProgram(opts.runner.tick);
  if (program && !onPath(program)) {
    // A path to a file that is there but not executable is no missing install.
    const there = program.includes("/") && await exists(program);
    return fail(
      there
        ? `runner '${opts.runner.name}' is not executable (${program}) — chmod +x it, or fix runners.${opts.runner.name}.tick in ${opts.configPath}`
        : `runner '${opts.runner.name}' not found on PATH — install it or set "default" in ${opts.configPath}`,
      undefined,
      true,
    );
  }
  const sb = opts.confine?.sandbox;
  if (sb && sb.kind === "off" && sb.mode === "required") {
    return fail(
      `sandbox.decide_net asks for a confined decide, and sandbox.mode is "required", but ${sb.reason} — ` +
        `install bubblewrap, socat and ripgrep, or remove sandbox.decide_net from ${opts.configPath}`,
      undefined,
    );
  }
  // A fresh, empty working dir of its own: no AGENTS.md, CLAUDE.md or .claude/ planted in the data
  // dir reaches the runner. A custom runner may still leave its move in .decision.json there.
  const cwd = `${dir}/cwd`;
  await ensureDir(cwd, 0o700);
  const decisionFile = `${cwd}/.decision.json`;
  const stream = await openAppend(`${dir}/stream.jsonl`, 0o600);
  let partial = "";
  const dec = new TextDecoder();
  // Recorded before the runner starts, and again with its pid: a pulse killed meanwhile leaves
  // the next one what it needs to end the runner (verified) and to meter what it spent.
  const flight = {
    run_id: runId,
    runner: opts.runner.name,
    since: opts.now.toISOString(),
    ...(opts.runner.cost ? { cost: opts.runner.cost } : {}),
    ...(opts.prices ? { prices: opts.prices } : {}),
  };
  await writeDecideFlight(dd, flight);
  let recorded: Promise<void> = Promise.resolve();
  const run: Omit<RunOptions, "env"> = {
    cwd,
    stdin: opts.prompt,
    timeoutMs: opts.timeoutS * 1000,
    maxStdoutBytes: 16 * 1024 * 1024,
    signal: opts.signal,
    onSpawn: (pid) => {
      recorded = processStart(pid).then((start) =>
        writeDecideFlight(dd, { ...flight, pid, ...(start ? { pid_start: start } : {}) })
      ).catch(() => {});
    },
    onStdout: (chunk) => {
      stream.writeSync(chunk);
      if (!opts.onStreamLine) return;
      partial += dec.decode(chunk, { stream: true });
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) opts.onStreamLine(l);
    },
  };
  const vars = { LOOOP_DATA_DIR: dd.root };
  // Confined: the whole environment (its API keys), the hosts of sandbox.decide_net only, and
  // writes to its run dir and its own state; unconfined (no sandbox here, mode auto or off): as before.
  const r: RunResult = opts.confine && sb?.kind === "on"
    ? await runConfined(opts.runner.tick, {
      net: opts.confine.net,
      env: wholeEnv(vars),
      write: [cwd, ...await stateWrites(opts.runner.state)],
    }, run)
    : await runProcess(["bash", "-c", opts.runner.tick], { ...run, env: vars });
  await recorded;
  await clearDecideFlight(dd);
  stream.close();
  if (r.stderrTail) await writeFileAtomic(`${dir}/stderr.log`, r.stderrTail, 0o600);
  const summary = summarizeStream(new TextDecoder().decode(r.stdout), {
    cost: opts.runner.cost,
    prices: opts.prices && { table: opts.prices, runner: opts.runner.name },
  });
  const cost = summary.costUsd;
  const o = r.outcome;
  if (o.kind === "aborted") {
    await writeFileAtomic(
      `${dir}/result.json`,
      JSON.stringify({ ok: false, reason: "stopped", cost_usd: cost ?? null }) + "\n",
      0o600,
    );
    return { runId, costUsd: cost, kind: "stopped" };
  }
  if (o.kind === "timeout") return fail(`the runner timed out after ${opts.timeoutS}s`, cost);
  if (o.kind === "overflow") return fail("the runner printed more than 16 MiB", cost);
  if (o.kind === "spawn-error") return fail(`could not run the runner: ${o.message}`, cost);
  if (o.code !== 0) {
    // The stream says why better than stderr's last line (claude's is_error result, codex's
    // turn.failed; codex's stderr ends with unrelated warnings).
    const why = summary.error ?? r.stderrTail.trim().split("\n").pop() ?? "";
    const how = o.code === null ? `was killed by ${o.signal}` : `exited ${o.code}`;
    const said = [summary.error, r.stderrTail, summary.finalText].filter(Boolean).join("\n");
    return fail(`the runner ${how}${why ? `: ${why.slice(0, 200)}` : ""}`, cost, false, said);
  }
  if (summary.error) {
    const said = [summary.error, summary.finalText].filter(Boolean).join("\n");
    return fail(`the runner reported an error: ${summary.error.slice(0, 300)}`, cost, false, said);
  }
  let fromFile: string | undefined;
  try {
    fromFile = await readTextIfExists(decisionFile);
  } catch (e) {
    return fail(`.decision.json: ${e instanceof Error ? e.message : String(e)}`, cost); // a link, a directory
  }
  let value: Record<string, unknown>;
  if (fromFile !== undefined) {
    await removeIfExists(decisionFile);
    const got = extractOneObject(fromFile);
    if (!got.ok) return fail(`.decision.json: ${got.reason}`, cost);
    value = got.value;
  } else if (summary.finalText === undefined) {
    // An event stream without an answer: torn, cut short, or of a shape looop does not read.
    return fail(`the runner's stream ended without a final answer (${summary.events} events read)`, cost);
  } else {
    const got = extractOneObject(summary.finalText);
    // An answer that is no move may be the runner saying it hit its limit ("…usage limit reached|<reset>").
    if (!got.ok) return fail(got.reason, cost, false, summary.finalText);
    value = got.value;
  }
  await writeFileAtomic(`${dir}/move.json`, JSON.stringify(value, null, 2) + "\n", 0o600);
  await writeFileAtomic(`${dir}/result.json`, JSON.stringify({ ok: true, cost_usd: cost ?? null }) + "\n", 0o600);
  return { runId, costUsd: cost, kind: "move", value };
}

/**
 * A runner's own state paths as its confined decide may write them: "~/.dir/" made if missing (the
 * sandbox cannot bind what is not there), "~/.file" only if it is there.
 */
async function stateWrites(state: string[] | undefined): Promise<string[]> {
  const home = env("HOME");
  const out: string[] = [];
  for (const raw of state ?? []) {
    if (raw.startsWith("~/") && !home) continue;
    const path = raw.startsWith("~/") ? `${home}${raw.slice(1)}` : raw;
    if (path.endsWith("/")) {
      await ensureDir(path.replace(/\/+$/, ""), 0o700);
      out.push(path.replace(/\/+$/, ""));
    } else if (await exists(path)) out.push(path);
  }
  return out;
}
