/**
 * Starting a worker (from the command to meta.json saying running) and killing it, median of 20,
 * as a ratio to spawning and killing the same command with plain `bash -c`; and the idle memory
 * (RSS) of a session host. Goal for the host: under 60 MB.
 */
import { fmt, LOOOP, median } from "./measure.ts";

async function run(argv: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), env, stdout: "null", stderr: "piped" }).output();
  if (out.code !== 0) throw new Error(`${argv.slice(-3).join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return performance.now() - t0;
}

/** Resident memory of a process in MB, through ps (Deno may not read /proc/<pid> under its flags). */
export async function rssMb(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)], stdout: "piped" }).output();
  return Number(new TextDecoder().decode(out.stdout).trim()) / 1024;
}

export async function workerBench(rounds = 20) {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  const dir = `${base}/data`;
  const env = { LOOOP_DATA_DIR: dir, NO_COLOR: "1" };
  const cmd = "sleep 1000";
  try {
    await run([...LOOOP, "_", "state"], env);
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ default: "bench", runners: { bench: { tick: "true", interactive: cmd } } }),
    );
    const looop: number[] = [];
    const bash: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await run([...LOOOP, "_", "worker", "start", `b${i}`, "bench"], env);
      await run([...LOOOP, "_", "kill", `b${i}`], env);
      looop.push(performance.now() - t0);
      const t1 = performance.now();
      const child = new Deno.Command("bash", { args: ["-c", cmd], stdout: "null" }).spawn();
      child.kill("SIGTERM");
      await child.status;
      bash.push(performance.now() - t1);
    }
    // Idle memory of one host, a second after its worker started.
    await run([...LOOOP, "_", "worker", "start", "idle", "bench"], env);
    await new Promise((r) => setTimeout(r, 1000));
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/sessions/idle/meta.json`));
    const hostRss = await rssMb(meta.host_pid);
    await run([...LOOOP, "_", "kill", "idle"], env);
    return { looop: median(looop), bash: median(bash), hostRss };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

export function reportWorker(r: Awaited<ReturnType<typeof workerBench>>): string {
  return `worker start + kill: ${fmt(r.looop)} median of 20 vs bash -c ${fmt(r.bash)} = ${
    (r.looop / r.bash).toFixed(0)
  }x; ` +
    `session host idle RSS ${r.hostRss.toFixed(1)} MB (goal < 60 MB)`;
}

if (import.meta.main) console.log(reportWorker(await workerBench()));
