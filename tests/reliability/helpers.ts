/**
 * Shared by the reliability suite (tests/reliability, `deno task reliability`): a seeded PRNG
 * whose seed is printed so a failing run can be replayed, the processes of a data dir from `ps`,
 * a process's RSS and open descriptors, and the one-line reports the suite prints.
 */
import { ROOT } from "../helpers.ts";

export const RELIABILITY_FIXTURES = `${ROOT}/tests/reliability/fixtures`;

export type Rng = {
  seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  /** true with probability p */
  chance(p: number): boolean;
};

/** mulberry32: small, fast and good enough to pick kill points. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { seed, next, int, pick: (xs) => xs[int(xs.length)], chance: (p) => next() < p };
}

/** The run's seed: $LOOOP_RELIABILITY_SEED to replay one, else a fresh one. */
export function suiteSeed(): number {
  const given = Number(Deno.env.get("LOOOP_RELIABILITY_SEED"));
  return Number.isInteger(given) && given > 0 ? given : 1 + Math.floor(Math.random() * 2 ** 31);
}

/** One line of the suite's report, prefixed so it stands out in the test output. */
export function report(what: string, text: string): void {
  console.log(`reliability: ${what}: ${text}`);
}

export type Proc = { pid: number; args: string; env: string };

/**
 * Every live process (zombies left out) whose command line or environment names data dir `dir`,
 * from one `ps` call. Deno reads /proc only with all permissions, which this suite never asks for.
 */
export async function processesOfDir(dir: string): Promise<Proc[]> {
  const out = await new Deno.Command("ps", {
    args: ["axeww", "-o", "pid=,stat=,args="],
    stdout: "piped",
    stderr: "null",
  }).output();
  const rows: Proc[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || m[2].startsWith("Z") || Number(m[1]) === Deno.pid) continue;
    const text = m[3];
    if (!text.includes(dir) || text.startsWith("ps ")) continue;
    // `ps e` prints the environment after the arguments: split at the first NAME= word.
    const words = text.split(" ");
    const envAt = words.findIndex((w, i) => i > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    const args = envAt < 0 ? text : words.slice(0, envAt).join(" ");
    const env = envAt < 0 ? "" : words.slice(envAt).join(" ");
    if (args.includes(dir) || env.split(" ").includes(`LOOOP_DATA_DIR=${dir}`)) {
      rows.push({ pid: Number(m[1]), args, env });
    }
  }
  return rows;
}

/**
 * A process's resident memory and open descriptors, read from /proc once (through `sh`: Deno
 * reads another process's /proc entries only with every permission, which looop never has).
 */
export async function memoryOf(pid: number): Promise<{ rssKib: number; fds: number }> {
  const out = await new Deno.Command("sh", {
    args: ["-c", 'grep "^VmRSS:" "/proc/$1/status" && ls "/proc/$1/fd" | wc -l', "sh", String(pid)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rss = /VmRSS:\s+(\d+)\s+kB/.exec(text);
  const fds = Number(text.trim().split("\n").pop());
  if (!out.success || !rss || !Number.isInteger(fds)) {
    throw new Error(`cannot read /proc/${pid}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { rssKib: Number(rss[1]), fds };
}

/**
 * The floor of a busy process's descriptors: the fewest open over `n` readings 5 ms apart (a beat
 * in flight holds its sensors' pipes for a moment; a leak raises the floor), with the median RSS.
 */
export async function memoryFloor(pid: number, n = 20): Promise<{ rssKib: number; fds: number }> {
  const samples: { rssKib: number; fds: number }[] = [];
  for (let i = 0; i < n; i++) {
    samples.push(await memoryOf(pid));
    await new Promise((r) => setTimeout(r, 5));
  }
  const rss = samples.map((s) => s.rssKib).sort((a, b) => a - b)[Math.floor(n / 2)];
  return { rssKib: rss, fds: Math.min(...samples.map((s) => s.fds)) };
}

/** Lines of NDJSON from a stream, as they arrive; a torn last line (the process was killed) is dropped. */
export async function* ndjsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        yield JSON.parse(line);
      } catch {
        yield { event: "(not json)", msg: line };
      }
    }
  }
}
