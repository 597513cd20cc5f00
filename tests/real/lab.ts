/**
 * Harness for the real-runner tests: a fresh data dir and a fresh HOME (the runner's config files
 * in it), looop run as a user runs it with the runner CLIs on PATH, every command bounded in
 * time, and the safety net that leaves nothing of the data dir running.
 */
import { DEFAULT_COLS, DEFAULT_ROWS } from "../../src/supervisor/start.ts";
import { SessionScreen } from "../../src/supervisor/screen.ts";
import { assertEquals } from "../assert.ts";
import { eventually, LOOOP_ARGV, type Run } from "../helpers.ts";
import { type BeatJson, type LedgerLine, type Proc, processesOf } from "../pulse/helpers.ts";
import { type Env, runnerPath, type RunnerSpec } from "./runners.ts";

/** The longest one looop command may take here (a decide included). */
const COMMAND_TIMEOUT_MS = 60_000;

/**
 * Deno's cache as the test process has it: with HOME in a temp dir, Deno would otherwise fetch
 * looop's npm packages again into the temp HOME for every looop process.
 */
function denoDir(): string {
  const given = Deno.env.get("DENO_DIR");
  if (given) return given;
  const home = Deno.env.get("HOME") ?? "";
  if (Deno.build.os === "darwin") return `${home}/Library/Caches/deno`;
  return `${Deno.env.get("XDG_CACHE_HOME") || `${home}/.cache`}/deno`;
}

export type Ask = { id: string; worker: string; prompt: string };
export type SessionRow = { id: string; state: string; pid: number | null; runner: string | null };

export class RealLab {
  private constructor(readonly base: string, readonly dir: string, readonly home: string, readonly env: Env) {}

  /** A seeded data dir whose config.json names `spec`'s built-in preset, and HOME set up for it. */
  static async create(spec: RunnerSpec, mockUrl: string): Promise<RealLab> {
    const base = await Deno.makeTempDir({ prefix: `looop-real-${spec.name}-` });
    const dir = `${base}/data`;
    const home = `${base}/home`;
    await Deno.mkdir(home);
    const env: Env = {
      PATH: runnerPath(),
      HOME: home,
      DENO_DIR: denoDir(),
      LOOOP_DATA_DIR: dir,
      LOOOP_ASK_POLL_MS: "100",
      NO_COLOR: "1",
      ...spec.env(mockUrl),
    };
    const lab = new RealLab(base, dir, home, env);
    try {
      await lab.ok(["_", "state"]); // seeds the data dir
      await spec.setup({ home, dataDir: dir, mockUrl });
      // The built-in preset, as a user who only picked the runner has it.
      await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ default: spec.name, ...spec.config }, null, 2));
    } catch (e) {
      await Deno.remove(base, { recursive: true }).catch(() => {});
      throw e;
    }
    return lab;
  }

  /** `looop <args>` with the lab's environment only, killed if it outlives COMMAND_TIMEOUT_MS. */
  async run(args: string[]): Promise<Run> {
    const out = await new Deno.Command(LOOOP_ARGV[0], {
      args: [...LOOOP_ARGV.slice(1), ...args],
      env: this.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  }

  async ok(args: string[]): Promise<Run> {
    const r = await this.run(args);
    assertEquals(r.code, 0, `looop ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    return r;
  }

  /** One `_ beat --json`, which must move. */
  async beatMoved(): Promise<BeatJson> {
    const r = await this.run(["_", "beat", "--json"]);
    let result: BeatJson | undefined;
    try {
      result = JSON.parse(r.stdout);
    } catch { /* reported below */ }
    assertEquals([r.code, result?.kind], [0, "moved"], `beat: exit ${r.code}, ${r.stdout}\n${r.stderr}`);
    return result!;
  }

  async asks(): Promise<Ask[]> {
    return JSON.parse((await this.ok(["_", "asks", "--json"])).stdout);
  }

  async session(id: string): Promise<SessionRow | undefined> {
    const rows: SessionRow[] = JSON.parse((await this.ok(["_", "sessions", "--json"])).stdout);
    return rows.find((s) => s.id === id);
  }

  async ledger(): Promise<LedgerLine[]> {
    const text = await Deno.readTextFile(`${this.dir}/cost.jsonl`).catch(() => "");
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }

  /** The one decide's run dir under runs/. */
  async onlyRun(): Promise<string> {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${this.dir}/runs`)) if (e.isDirectory) names.push(e.name);
    assertEquals(names.length, 1, `one decide in runs/: ${names.join(", ")}`);
    return `${this.dir}/runs/${names[0]}`;
  }

  /** Worker `id`'s terminal as it would look now (its output.log through a terminal emulator). */
  async screen(id: string): Promise<string> {
    const s = new SessionScreen(`${this.dir}/sessions/${id}/output.log`, DEFAULT_COLS, DEFAULT_ROWS);
    try {
      await s.update();
      return s.lines().join("\n").trimEnd();
    } finally {
      s.dispose();
    }
  }

  /** The processes that still belong to the data dir or the HOME (waits for them to go, bounded). */
  async leftovers(timeoutMs = 15_000): Promise<Proc[]> {
    const now = async () => [...await processesOf(this.dir), ...await processesOf(this.home)];
    try {
      await eventually(async () => (await now()).length === 0, "no process of the data dir or HOME", timeoutMs);
      return [];
    } catch {
      return await now();
    }
  }

  /** `down`, SIGKILL whatever of the lab still runs, remove the temp dir. */
  async close(): Promise<void> {
    try {
      await this.run(["down"]).catch(() => undefined);
      for (const p of await this.leftovers(5_000)) {
        try {
          Deno.kill(p.pid, "SIGKILL");
        } catch { /* gone */ }
      }
    } finally {
      await Deno.remove(this.base, { recursive: true }).catch(() => {});
    }
  }
}
