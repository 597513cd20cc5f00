/**
 * Starting a worker (SPEC §8): the gates that need the world (not `pulse`, not alive, under
 * max_workers, runner present), the brief with the worker contract, and a detached session host.
 */
import { type Config, resolveRunner } from "../core/config.ts";
import { Exit, LooopError } from "../core/errors.ts";
import { maxWorkers } from "../core/guards.ts";
import { safeId } from "../core/ids.ts";
import { fillTemplate } from "../core/template.ts";
import WORKER_CONTRACT from "../texts/worker-contract.md" with { type: "text" };
import { commandProgram, launcherScript, shellQuote } from "../core/shell.ts";
import { ensureDir, readTextIfExists, removeTree, writeFileAtomic } from "../sys/fs.ts";
import { env } from "../sys/env.ts";
import { withLock } from "../sys/lock.ts";
import { onPath, spawnDetached } from "../sys/process.ts";
import { execPath, isCompiled, selfArgv, selfEnv } from "../sys/self.ts";
import { waitFor } from "../sys/watch.ts";
import type { DataDir } from "../store/layout.ts";
import { readPause } from "../store/pause.ts";
import { HOST_START_MS, isSessionAlive, liveWorkers, PULSE_ID, readSession, sessionFiles } from "../store/sessions.ts";

export const DEFAULT_COLS = 120;
export const DEFAULT_ROWS = 40;

/** The worker contract (SPEC §8, texts/worker-contract.md) for session `id`, prepended to its brief. */
export function workerContract(id: string): string {
  return fillTemplate(WORKER_CONTRACT, { id });
}

/** `verify`: the command the pulse runs sandboxed once the worker has ended (executor/verify.ts). */
export type Launch = { runner: string; command: string; cols: number; rows: number; verify?: string };

/** What `$LOOOP_BIN` is for workers: this executable, or from source a launcher in the data dir. */
export async function looopBin(dd: DataDir): Promise<string> {
  if (isCompiled()) return execPath();
  await ensureDir(`${dd.root}/bin`);
  await writeFileAtomic(dd.launcher, launcherScript(selfArgv(), selfEnv()), 0o755);
  return dd.launcher;
}

/**
 * The runner's interactive command for this session (or `plain`, a start_worker's own `command`,
 * run instead under the default runner's name), or the reason it cannot run.
 */
export function interactiveCommand(
  config: Config,
  promptFile: string,
  plain?: string,
): { runner: string; command: string } {
  // A plain command is a shell line (it may start with `cd`): bash says what it cannot find, in
  // the worker's screen and its exit code, instead of a PATH check here.
  if (plain !== undefined) {
    return { runner: config.default, command: plain.replaceAll("{{prompt_file}}", shellQuote(promptFile)) };
  }
  const runner = resolveRunner(config);
  if (!runner) {
    throw new LooopError(
      `runner '${config.default}' has no interactive command`,
      `set runners.${config.default}.interactive in the config, or "default" to pi, claude, codex or opencode`,
    );
  }
  const program = commandProgram(runner.interactive);
  if (program && !onPath(program)) {
    throw new LooopError(
      `runner '${runner.name}' not found on PATH (${program})`,
      `install it or set "default" in the config`,
      Exit.notFound,
    );
  }
  return { runner: runner.name, command: runner.interactive.replaceAll("{{prompt_file}}", shellQuote(promptFile)) };
}

/**
 * Start worker `id` with `brief`. Gates and creation happen under one lock, so two starts of
 * the same id cannot both pass. Returns once the host holds the session's lock.
 */
export async function startWorker(
  dd: DataDir,
  opts: { id: string; brief: string; config: Config; now: Date; verify?: string; command?: string },
): Promise<{ pid: number }> {
  const id = safeId("session", opts.id);
  if (id === PULSE_ID) {
    throw new LooopError("'pulse' is the pulse's own session", "give the worker another id", Exit.gate);
  }
  const paused = await readPause(dd);
  if (paused) {
    throw new LooopError(
      `looop is paused (since ${paused.since}${paused.reason ? `: ${paused.reason}` : ""}): no new workers`,
      "run `looop resume` first",
      Exit.gate,
    );
  }
  const files = sessionFiles(dd, id);
  await withLock(dd.startLock, async () => {
    if (await isSessionAlive(dd, id)) {
      const s = await readSession(dd, id);
      throw new LooopError(
        `worker '${id}' is already running (pid ${s.meta?.pid ?? "?"})`,
        `wait for it to end, or stop it with: looop _ kill ${id}`,
        Exit.gate,
      );
    }
    const live = await liveWorkers(dd);
    const max = maxWorkers(opts.config, env);
    if (live.length >= max) {
      throw new LooopError(
        `max_workers (${max}) reached (${live.length} live: ${live.join(", ")})`,
        "wait for a worker to end, or raise max_workers in the config (LOOOP_MAX_WORKERS overrides it)",
        Exit.gate,
      );
    }
    const { runner, command } = interactiveCommand(opts.config, files.prompt, opts.command);
    // A finished session of the same id makes way for the new one.
    await removeTree(files.dir);
    await ensureDir(files.dir, 0o700);
    await ensureDir(files.inbox, 0o700);
    await writeFileAtomic(files.prompt, workerContract(id) + opts.brief.trimEnd() + "\n", 0o600);
    const launch: Launch = {
      runner,
      command,
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
      ...(opts.verify !== undefined ? { verify: opts.verify } : {}),
    };
    await writeFileAtomic(files.launch, JSON.stringify(launch) + "\n", 0o600);
    const bin = await looopBin(dd);
    spawnDetached([...selfArgv({ background: true }), "_", "host", id], {
      cwd: dd.root,
      stderrFile: files.hostErr,
      env: { ...selfEnv(), LOOOP_DATA_DIR: dd.root, LOOOP_CONFIG: dd.configPath, LOOOP_BIN: bin },
    });
  });
  // Started once the host has written meta.json; a host that fails first says why in host.log.
  const ready = await waitFor([files.dir], async () => {
    const s = await readSession(dd, id);
    if (s.meta) return { pid: s.meta.pid };
    const log = (await readTextIfExists(files.hostLog).catch(() => undefined)) ?? "";
    return log.trim() ? { failed: log.trim().split("\n").pop() ?? "" } : undefined;
  }, { timeoutMs: HOST_START_MS, pollMs: 50 });
  if (ready.kind === "timeout" || "failed" in ready.value) {
    const crashed = (await readTextIfExists(files.hostErr).catch(() => undefined))?.trim().split("\n").pop();
    const why = ready.kind === "timeout"
      ? `its host did not report within ${HOST_START_MS / 1000} s${
        crashed ? ` (its stderr: ${crashed.slice(0, 300)})` : ""
      }`
      : ready.value.failed;
    throw new LooopError(`worker '${id}' did not start: ${why}`, `see ${files.dir}/host.log`, Exit.refused);
  }
  return ready.value;
}
