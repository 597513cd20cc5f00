/** All benchmarks, one run, ratios against baselines measured in the same run. `deno task bench`. */
import { askBench } from "./ask_bench.ts";
import { fmt } from "./measure.ts";
import { stateBench } from "./state_bench.ts";
import { reportWorker, workerBench } from "./worker_bench.ts";
import { pulseBenches } from "./pulse_bench.ts";
import { sandboxBench } from "./sandbox_bench.ts";
import { spawnBench } from "./spawn_bench.ts";
import { decideBench } from "./decide_bench.ts";
import { promptBench, reportPrompt } from "./prompt_bench.ts";
import { fleetBenches } from "./fleet_bench.ts";
import { watchBench } from "./watch_bench.ts";

const s = await stateBench();
console.log(
  `_ state --json (200 goals, 10k journal lines, 1k answered asks): ${fmt(s.state)} vs empty script ${fmt(s.empty)} = ${
    s.ratio.toFixed(2)
  }x (goal <= 2x)`,
);
const a = await askBench();
console.log(
  `_ answer -> blocked _ ask returns: ${fmt(a.total)} median of 20 (goal < 200 ms; ${
    (a.total / a.empty).toFixed(2)
  }x an empty script's ${fmt(a.empty)}); after the answer file lands: ${fmt(a.afterFile)}`,
);
console.log(reportWorker(await workerBench()));
for (const line of await pulseBenches()) console.log(line);
console.log(await spawnBench());
console.log(await sandboxBench());
for (const line of await decideBench()) console.log(line);
console.log(reportPrompt(await promptBench()));
for (const line of await fleetBenches()) console.log(line);
for (const line of await watchBench()) console.log(line);
