/**
 * Harness for the pulse tests: a seeded temp data dir whose runner is a fake (tests/fixtures), one
 * `_ beat` as data, the journal, the ledger, the snapshots, the decides the runner saw, and the
 * processes that belong to the data dir (from `ps`: the dir in their command line or their env).
 */
import { assertEquals } from "../assert.ts";
import { eventually, looop, ROOT, type Run, tempDataDir } from "../helpers.ts";

export const FIXTURES = `${ROOT}/tests/fixtures`;

export type Env = Record<string, string>;

/** What `_ beat --json` prints (src/pulse/beat.ts BeatResult), loosely typed. */
export type BeatJson = {
  kind: "skipped" | "paused" | "moved" | "no-move" | "refused";
  why?: string;
  retryInS?: number;
  reason?: string;
  journal?: string;
  nextIntervalS?: number;
  move?: Record<string, unknown>;
};

export type Beat = Run & { result: BeatJson | undefined };

export type LedgerLine = { ts: string; kind: string; id: string; runner: string; cost_usd: number };

export type Proc = { pid: number; cmdline: string };

/** A number no other test uses, for `sleep <mark>` processes a test must find (or not) in `ps`. */
export function uniqueMark(): string {
  return `${1000 + Math.floor(Math.random() * 9000)}.${Math.floor(Math.random() * 1e6)}`;
}

/** `ps` rows (zombies left out): pid, and the command line with (when `withEnv`) the environment after it. */
async function psRows(withEnv: boolean): Promise<Proc[]> {
  const out = await new Deno.Command("ps", {
    args: [withEnv ? "axeww" : "axww", "-o", "pid=,stat=,args="],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const rows: Proc[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || m[2].startsWith("Z") || Number(m[1]) === Deno.pid) continue;
    rows.push({ pid: Number(m[1]), cmdline: m[3] });
  }
  return rows;
}

/** Every live process whose command line contains the words `needle` (this process excluded). */
export async function processesWith(needle: string): Promise<Proc[]> {
  return (await psRows(false)).filter((p) => ` ${p.cmdline} `.includes(` ${needle} `) && !p.cmdline.startsWith("ps "));
}

/** Every live process that belongs to data dir `dir`: its command line or its env names the dir. */
export async function processesOf(dir: string): Promise<Proc[]> {
  const words = (p: Proc) => p.cmdline.split(/\s+/);
  return (await psRows(true)).filter((p) =>
    !p.cmdline.startsWith("ps ") &&
    words(p).some((w) => w === `LOOOP_DATA_DIR=${dir}` || w === dir || w.startsWith(dir + "/"))
  );
}

export class PulseLab {
  private constructor(readonly dir: string, readonly base: string, readonly env: Env) {}

  /**
   * A data dir seeded by `_ state`, with config.json naming `runner` (a fixture file) as the tick
   * of runner `name`, plus `config` keys. FAKE_PROMPTS and FAKE_REPLY_FILE point into the base dir.
   */
  static async create(
    opts: { runner?: string; name?: string; config?: Record<string, unknown>; env?: Env } = {},
  ): Promise<PulseLab> {
    const d = await tempDataDir();
    const base = d.dir.replace(/\/data$/, "");
    const env: Env = {
      ...d.env,
      FAKE_PROMPTS: `${base}/prompts.log`,
      FAKE_REPLY_FILE: `${base}/replies.txt`,
      ...opts.env,
    };
    const lab = new PulseLab(d.dir, base, env);
    const r = await lab.run(["_", "state"]);
    assertEquals(r.code, 0, `_ state (seeding): ${r.stderr}`);
    // The seeded date sensor changes the world at midnight by design: a test counting decides and
    // skips would see one more decide when it runs across 00:00. It stays, a sandboxed sensor in
    // every beat, but with a date that never moves.
    await Deno.writeTextFile(`${d.dir}/sensors/today.sh`, `#!/bin/sh\nprintf '{"date":"2026-01-01"}\\n'\n`);
    await lab.configure(opts.config ?? {}, opts.runner ?? "fake-pi", opts.name ?? "pi");
    return lab;
  }

  /** Rewrite config.json: `runner` (a fixture name or an absolute path) as the tick, plus `extra`. */
  async configure(extra: Record<string, unknown> = {}, runner = "fake-pi", name = "pi"): Promise<void> {
    const tick = runner.startsWith("/") ? runner : `${FIXTURES}/${runner}`;
    const { runners, ...rest } = extra as { runners?: Record<string, Record<string, unknown>> };
    const config = {
      default: name,
      ...rest,
      runners: { ...runners, [name]: { tick, ...runners?.[name] } },
    };
    await Deno.writeTextFile(`${this.dir}/config.json`, JSON.stringify(config, null, 2) + "\n");
  }

  run(args: string[], opts: { env?: Env; stdin?: string } = {}): Promise<Run> {
    return looop(args, { env: { ...this.env, ...opts.env }, stdin: opts.stdin });
  }

  /** `looop args`, which must exit 0. */
  async ok(args: string[], opts: { env?: Env; stdin?: string } = {}): Promise<Run> {
    const r = await this.run(args, opts);
    assertEquals(r.code, 0, `looop ${args.join(" ")}: ${r.stderr}`);
    return r;
  }

  /** One `_ beat --json`; its result as data. */
  async beat(env: Env = {}): Promise<Beat> {
    const r = await this.run(["_", "beat", "--json"], { env });
    let result: BeatJson | undefined;
    try {
      result = JSON.parse(r.stdout);
    } catch { /* no result printed */ }
    return { ...r, result };
  }

  /** One beat that must end with exit `code` and result kind `kind`. */
  async beatExpect(code: number, kind: BeatJson["kind"], env: Env = {}): Promise<Beat> {
    const b = await this.beat(env);
    assertEquals(
      [b.code, b.result?.kind],
      [code, kind],
      `beat: exit ${b.code}, stdout ${b.stdout.trim()}\nstderr:\n${b.stderr}`,
    );
    return b;
  }

  /** The replies the fake runner gives, one per decide, in order (then its default noop). */
  async replies(...moves: (string | Record<string, unknown>)[]): Promise<void> {
    const lines = moves.map((m) => (typeof m === "string" ? m : JSON.stringify(m)));
    for (const l of lines) if (l.includes("\n")) throw new Error(`a reply must be one line: ${l}`);
    await Deno.writeTextFile(this.env.FAKE_REPLY_FILE, lines.map((l) => l + "\n").join(""));
  }

  /** How many decides the fake runner has seen. */
  async decides(): Promise<number> {
    return (await this.prompts()).length;
  }

  /** The prompts the fake runner has seen, oldest first. */
  async prompts(): Promise<string[]> {
    const text = await Deno.readTextFile(this.env.FAKE_PROMPTS).catch(() => "");
    return text.split("\n=====END=====\n").slice(0, -1);
  }

  async journal(): Promise<string[]> {
    const text = await Deno.readTextFile(`${this.dir}/journal.md`).catch(() => "");
    return text.split("\n").filter((l) => l.length > 0);
  }

  /** Journal lines added since `before` (which must be a prefix of the journal now). */
  async journalSince(before: string[]): Promise<string[]> {
    const now = await this.journal();
    assertEquals(now.slice(0, before.length), before, "the journal is append-only");
    return now.slice(before.length);
  }

  async ledger(): Promise<LedgerLine[]> {
    const text = await Deno.readTextFile(`${this.dir}/cost.jsonl`).catch(() => "");
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }

  /** snapshots/<name>.json as the last beat left it. */
  async snapshot(name: string): Promise<Record<string, unknown>> {
    return JSON.parse(await Deno.readTextFile(`${this.dir}/snapshots/${name}.json`));
  }

  /** sensors/<name>.sh, executable unless told otherwise. */
  async sensor(name: string, script: string, mode = 0o755): Promise<void> {
    const path = `${this.dir}/sensors/${name}.sh`;
    await Deno.writeTextFile(path, script);
    await Deno.chmod(path, mode);
  }

  /** Change the world: write goals/<id>.md directly (not through a verb, which would journal). */
  async touchGoal(id: string, body: string): Promise<void> {
    await Deno.writeTextFile(`${this.dir}/goals/${id}.md`, body + "\n");
  }

  async goals(): Promise<string[]> {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${this.dir}/goals`)) if (e.isFile) names.push(e.name);
    return names.sort();
  }

  /** The worker session dirs (sessions/ less the pulse's own). */
  async workerIds(): Promise<string[]> {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${this.dir}/sessions`)) {
      if (e.isDirectory && e.name !== "pulse") names.push(e.name);
    }
    return names.sort();
  }

  async exists(rel: string): Promise<boolean> {
    return await Deno.lstat(`${this.dir}/${rel}`).then(() => true, () => false);
  }

  /** The pid in sessions/<id>/meta.json. */
  async metaPid(id: string): Promise<number | undefined> {
    const text = await Deno.readTextFile(`${this.dir}/sessions/${id}/meta.json`).catch(() => undefined);
    return text === undefined ? undefined : JSON.parse(text).pid;
  }

  /** `_ sessions --json`. */
  async sessions(): Promise<{ id: string; state: string; pid: number | null }[]> {
    return JSON.parse((await this.ok(["_", "sessions", "--json"])).stdout);
  }

  /** Wait until no process belongs to the data dir any more; returns the leftovers if some stay. */
  async noProcessesLeft(timeoutMs = 15_000): Promise<Proc[]> {
    try {
      await eventually(async () => (await processesOf(this.dir)).length === 0, "no process of the data dir", timeoutMs);
      return [];
    } catch {
      return await processesOf(this.dir);
    }
  }

  /** `down`, then SIGKILL (by pid) whatever of this data dir still runs, then remove the temp dir. */
  async close(): Promise<void> {
    try {
      await this.run(["down"]).catch(() => undefined);
      for (const p of await this.noProcessesLeft(5_000)) {
        try {
          Deno.kill(p.pid, "SIGKILL");
        } catch { /* gone */ }
      }
    } finally {
      await Deno.remove(this.base, { recursive: true }).catch(() => {});
    }
  }
}

/** A PulseLab for `fn`, closed afterwards whatever happens. */
export async function withLab(
  opts: Parameters<typeof PulseLab.create>[0],
  fn: (lab: PulseLab) => Promise<void>,
): Promise<void> {
  const lab = await PulseLab.create(opts);
  try {
    await fn(lab);
  } finally {
    await lab.close();
  }
}

/** Count the lines of `lines` that match `re`. */
export function countMatching(lines: string[], re: RegExp): number {
  return lines.filter((l) => re.test(l)).length;
}
