/**
 * How fast an answer releases a blocked `_ ask`: from starting `looop _ answer` to the `_ ask`
 * process exiting, median of 20, and the part after the answer file lands. Goal: < 200 ms.
 */
import { EMPTY, fmt, LOOOP, median, timeRun } from "./measure.ts";

export async function askBench(rounds = 20) {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  const dir = `${base}/data`;
  const env = { LOOOP_DATA_DIR: dir, NO_COLOR: "1", LOOOP_SESSION_ID: "bench" };
  const total: number[] = [];
  const afterFile: number[] = [];
  const empty: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const ask = new Deno.Command(LOOOP[0], {
        args: [...LOOOP.slice(1), "_", "ask", "--prompt", `question ${i}`],
        env,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const id = `bench-${i + 1}`;
      // Wait until the ask is on disk (and its watch is set up shortly after).
      while (true) {
        try {
          await Deno.stat(`${dir}/asks/${id}.json`);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      await new Promise((r) => setTimeout(r, 100)); // let `_ ask` reach its wait
      const t0 = performance.now();
      // The human answers, from outside any worker session (a worker may not answer asks).
      const human = { LOOOP_DATA_DIR: dir, NO_COLOR: "1" };
      const answer = new Deno.Command(LOOOP[0], { args: [...LOOOP.slice(1), "_", "answer", id, "yes"], env: human })
        .output();
      let landed = 0;
      const watchLanding = (async () => {
        while (!landed) {
          try {
            await Deno.stat(`${dir}/answers/${id}.json`);
            landed = performance.now();
          } catch {
            await new Promise((r) => setTimeout(r, 1));
          }
        }
      })();
      // An answer that fails releases nothing: end the ask rather than wait forever.
      const answered = answer.then((r) => {
        if (r.code !== 0) ask.kill("SIGKILL");
        return r;
      });
      const out = await ask.output();
      const t1 = performance.now();
      const a = await answered;
      if (a.code !== 0) throw new Error(`_ answer exited ${a.code}: ${new TextDecoder().decode(a.stderr)}`);
      await watchLanding;
      if (out.code !== 0) throw new Error(`_ ask exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
      total.push(t1 - t0);
      afterFile.push(t1 - landed);
      empty.push(await timeRun(EMPTY));
    }
    return { total: median(total), afterFile: median(afterFile), empty: median(empty) };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) {
  const r = await askBench();
  console.log(
    `_ answer -> blocked _ ask returns: ${fmt(r.total)} median of 20 (goal < 200 ms; ${
      (r.total / r.empty).toFixed(2)
    }x an empty script's ${fmt(r.empty)}); after the answer file lands: ${fmt(r.afterFile)}`,
  );
}
