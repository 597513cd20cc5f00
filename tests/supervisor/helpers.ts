/**
 * Harness for the session supervisor tests: a seeded temp data dir whose runner runs a bash
 * script per worker id, the process table, a looop whose stdout is read as it streams, and tmux
 * on a private socket for the terminal tests.
 */
import { assertEquals } from "../assert.ts";
import { eventually, looop, LOOOP_ARGV, type Run, tempDataDir } from "../helpers.ts";

export type Env = Record<string, string>;

/** One row of `_ sessions --json`. */
export type SessionRow = {
  id: string;
  state: string;
  pid: number | null;
  runner: string | null;
  age_s: number | null;
  exit_code: number | null;
};

export type Meta = {
  id: string;
  pid: number;
  host_pid: number;
  state: string;
  runner: string;
  command: string;
  cols: number;
  rows: number;
};

/** `s` as one single-quoted shell word. */
export const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The command line that runs the real CLI (LOOOP_ARGV), for shells and tmux. */
export const looopCommandLine = LOOOP_ARGV.map(quote).join(" ");

/** The environment a child gets: PATH and HOME, and what the test adds. */
export function childEnv(extra: Env): Env {
  const out: Env = {};
  for (const k of ["PATH", "HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) out[k] = v;
  }
  return { ...out, ...extra };
}

/**
 * A data dir plus the scripts its workers run. The runner `fake` runs
 * `bash <base>/run-worker.sh {{prompt_file}}`, which sources `<base>/workers/$LOOOP_SESSION_ID.sh`,
 * so each test gives each worker its own script. Marker files go to `<base>/out/`.
 */
export class Lab {
  constructor(readonly dir: string, readonly base: string, readonly env: Env) {}

  out(name: string): string {
    return `${this.base}/out/${name}`;
  }

  /** Rewrite config.json: the fake runner (or another interactive command) plus `extra` keys. */
  async configure(extra: Record<string, unknown> = {}, interactive?: string): Promise<void> {
    const command = interactive ?? `bash ${quote(`${this.base}/run-worker.sh`)} {{prompt_file}}`;
    const config = { default: "fake", runners: { fake: { tick: "true", interactive: command } }, ...extra };
    await Deno.writeTextFile(`${this.dir}/config.json`, JSON.stringify(config, null, 2) + "\n");
  }

  /** The script worker `id` runs (bash; $1 is its prompt file). */
  async script(id: string, body: string): Promise<void> {
    await Deno.writeTextFile(`${this.base}/workers/${id}.sh`, body + "\n");
  }

  run(args: string[], opts: { env?: Env; stdin?: string } = {}): Promise<Run> {
    return looop(args, { env: { ...this.env, ...opts.env }, stdin: opts.stdin });
  }

  /** `_ worker start id brief` with `body` as the worker's script; fails the test unless it starts. */
  async start(id: string, body: string, brief = `the brief of ${id}`): Promise<Meta> {
    await this.script(id, body);
    const r = await this.run(["_", "worker", "start", id, brief]);
    assertEquals(r.code, 0, `_ worker start ${id}: ${r.stderr}`);
    return await this.meta(id);
  }

  async sessions(): Promise<SessionRow[]> {
    const r = await this.run(["_", "sessions", "--json"]);
    assertEquals(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  async row(id: string): Promise<SessionRow | undefined> {
    return (await this.sessions()).find((s) => s.id === id);
  }

  async meta(id: string): Promise<Meta> {
    return JSON.parse(await Deno.readTextFile(`${this.dir}/sessions/${id}/meta.json`));
  }

  /** A marker file's text once the worker has written it (non-empty), trimmed. */
  marker(name: string, what = `the marker ${name}`): Promise<string> {
    return eventually(
      () => Deno.readTextFile(this.out(name)).then((t) => t.trim() || undefined, () => undefined),
      what,
    );
  }

  /**
   * Safety net for a failed test: `_ kill` whatever still runs, then SIGKILL each worker's process
   * group (its pid) in case a host vanished and left its worker behind.
   */
  async stopAll(): Promise<void> {
    const rows = await this.sessions().catch(() => [] as SessionRow[]);
    await Promise.all(rows.filter((s) => s.state === "running").map((s) => this.run(["_", "kill", s.id])));
    for (const s of rows) {
      const meta = await this.meta(s.id).catch(() => undefined);
      if (meta?.pid) killQuietly(-meta.pid);
    }
  }
}

/** SIGKILL a process (or with a negative pid, a process group) that may already be gone. */
export function killQuietly(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* already gone */ }
}

/**
 * What the runner runs: the worker's own script, with `mark <name> <text>`, which writes
 * `<base>/out/<name>` atomically (so a test never reads it half written).
 */
const RUN_WORKER = (base: string) =>
  `OUT=${quote(`${base}/out`)}
mark() { printf '%s\\n' "$2" > "$OUT/.$1.tmp" && mv "$OUT/.$1.tmp" "$OUT/$1"; }
. ${quote(`${base}/workers`)}/"$LOOOP_SESSION_ID.sh"
`;

/** A fresh, seeded lab for `fn`; every worker stopped and the temp dir removed afterwards. */
export async function withLab(fn: (lab: Lab) => Promise<void>, config: Record<string, unknown> = {}): Promise<void> {
  const t = await tempDataDir();
  const base = t.dir.replace(/\/data$/, "");
  const lab = new Lab(t.dir, base, { ...t.env, LOOOP_ASK_POLL_MS: "100" });
  try {
    const seeded = await lab.run(["_", "sessions", "--json"]);
    assertEquals(seeded.code, 0, seeded.stderr);
    await Deno.mkdir(`${base}/workers`);
    await Deno.mkdir(`${base}/out`);
    await Deno.writeTextFile(`${base}/run-worker.sh`, RUN_WORKER(base));
    await lab.configure(config);
    await fn(lab);
  } finally {
    await lab.stopAll();
    await t.cleanup();
  }
}

export type Proc = { pid: number; pgid: number; stat: string; args: string };

/** The process table (`ps -eo pid,pgid,stat,args`), zombies left out: they are already dead. */
export async function processes(): Promise<Proc[]> {
  const out = await new Deno.Command("ps", { args: ["-eo", "pid=,pgid=,stat=,args="], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").flatMap((line) => {
    const m = line.match(/^\s*(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/);
    if (!m || m[3].startsWith("Z")) return [];
    return [{ pid: Number(m[1]), pgid: Number(m[2]), stat: m[3], args: m[4] }];
  });
}

/** The live processes of process group `pgid`. */
export async function groupMembers(pgid: number): Promise<Proc[]> {
  return (await processes()).filter((p) => p.pgid === pgid);
}

export async function processAlive(pid: number): Promise<Proc | undefined> {
  return (await processes()).find((p) => p.pid === pid);
}

/** The data dir as path → kind and content, to prove a refused command changed nothing. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string, rel: string) => {
    const st = await Deno.lstat(path);
    if (st.isDirectory) {
      out[rel] = "dir";
      for await (const e of Deno.readDir(path)) await walk(`${path}/${e.name}`, `${rel}/${e.name}`);
    } else out[rel] = await Deno.readTextFile(path);
  };
  await walk(dir, ".");
  return out;
}

/** `looop <args>` in the background, its stdout readable while it still runs. */
export function streamLooop(args: string[], env: Env) {
  const child = new Deno.Command(LOOOP_ARGV[0], {
    args: [...LOOOP_ARGV.slice(1), ...args],
    env: childEnv(env),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk;
  })();
  const stderr = new Response(child.stderr).text();
  const done = Promise.all([child.status, reading, stderr]).then(([s, , err]): Run => ({
    code: s.code,
    stdout,
    stderr: err,
  }));
  return { child, done, stdout: () => stdout };
}

/** tmux on a private socket in a temp dir, so tests never touch another tmux server. */
export class Tmux {
  private constructor(readonly socket: string, readonly session: string) {}

  /** A detached session of `cols`×`rows` running `command` (through /bin/sh). */
  static async start(socket: string, session: string, command: string, cols = 80, rows = 24): Promise<Tmux> {
    const t = new Tmux(socket, session);
    const r = await t.tmux("new-session", "-d", "-s", session, "-x", String(cols), "-y", String(rows), command);
    assertEquals(r.code, 0, `tmux new-session: ${r.stderr}`);
    return t;
  }

  /** -f /dev/null: no user config; the server gets PATH and HOME only. */
  async tmux(...args: string[]): Promise<Run> {
    const out = await new Deno.Command("tmux", {
      args: ["-S", this.socket, "-f", "/dev/null", ...args],
      env: childEnv({}),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  }

  /** The pane's rows as text (with `escapes`, the SGR attributes too). */
  async capture(escapes = false): Promise<string[]> {
    const r = await this.tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", this.session);
    return r.code === 0 ? r.stdout.split("\n") : [];
  }

  /** Wait until some pane row satisfies `test`; returns the rows and that row's index. */
  async waitFor(test: (row: string) => boolean, what: string): Promise<{ rows: string[]; at: number }> {
    let last: string[] = [];
    try {
      return await eventually(async () => {
        last = await this.capture();
        const at = last.findIndex(test);
        return at >= 0 ? { rows: last, at } : undefined;
      }, what);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the pane showed:\n${last.join("\n")}`);
    }
  }

  async keys(...keys: string[]): Promise<void> {
    const r = await this.tmux("send-keys", "-t", this.session, ...keys);
    assertEquals(r.code, 0, r.stderr);
  }

  /** Type `text` literally (no key names). */
  async type(text: string): Promise<void> {
    const r = await this.tmux("send-keys", "-t", this.session, "-l", text);
    assertEquals(r.code, 0, r.stderr);
  }

  async alive(): Promise<boolean> {
    return (await this.tmux("has-session", "-t", this.session)).code === 0;
  }

  async killServer(): Promise<void> {
    await this.tmux("kill-server");
  }
}
