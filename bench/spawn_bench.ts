/**
 * The ways sys/spawn.ts can start a command in a session of its own, against a plain spawn without
 * one: 20 short commands at once (a beat's sensors), from a process holding 100 MB (a pulse's
 * size), so the cost of forking all of looop shows. Median of 15 interleaved rounds.
 */
import { availableSessionWays, runProcess, type SessionWay } from "../src/sys/spawn.ts";
import { fmt, interleaved } from "./measure.ts";

const N = 20;
const argv = ["/bin/sh", "-c", `echo '{"signal":{"n":1}}'`];

async function plain(): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: N },
      () => new Deno.Command(argv[0], { args: argv.slice(1), stdout: "piped", stderr: "piped" }).output(),
    ),
  );
  return performance.now() - t0;
}

function via(way: SessionWay) {
  return async () => {
    const t0 = performance.now();
    const runs = await Promise.all(
      Array.from({ length: N }, () => runProcess(argv, { cwd: "/", timeoutMs: 30_000, way })),
    );
    if (runs.some((r) => r.outcome.kind !== "exited")) throw new Error(`${way}: ${JSON.stringify(runs[0].outcome)}`);
    return performance.now() - t0;
  };
}

export async function spawnBench(): Promise<string> {
  const ballast = new Uint8Array(100e6).fill(1); // resident, so a fork has it to copy the mappings of
  const ways = availableSessionWays();
  const m = await interleaved({ plain, ...Object.fromEntries(ways.map((w) => [w, via(w)])) }, 15);
  ballast.fill(0); // held until here
  const parts = ways.map((w) => `${w} ${fmt(m[w])} = ${(m[w] / m.plain).toFixed(2)}x`);
  return `${N} commands at once in a session each (from a 100 MB process), vs plain spawns ${fmt(m.plain)}: ${
    parts.join(", ")
  } (looop uses ${ways[0]})`;
}

if (import.meta.main) console.log(await spawnBench());
