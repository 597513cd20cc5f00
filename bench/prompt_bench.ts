/**
 * The prompt's cacheable share: two real decides a minute apart, with one sensor's signal changed
 * in between, on a seeded data dir with goals and sensors; the bytes of identical prefix over the
 * second prompt's bytes (goal >= 80%, #15). A runner's prompt cache reuses that prefix.
 */
import { ConfigSchema } from "../src/core/config.ts";
import type { Log } from "../src/core/log.ts";
import { beatContext, runBeat } from "../src/pulse/beat.ts";
import { DEFAULT_SENSOR_LIMITS } from "../src/sensor/run.ts";
import { layout } from "../src/store/layout.ts";
import { ensureDataDir } from "../src/store/seed.ts";
import { ROOT } from "./measure.ts";

const quiet: Log = () => {};

export async function promptBench(): Promise<{ share: number; prefix: number; bytes: number }> {
  const base = await Deno.makeTempDir({ prefix: "looop-bench-" });
  try {
    const dd = await ensureDataDir(layout(`${base}/data`));
    for (const id of ["ship-v2", "docs", "triage"]) {
      await Deno.writeTextFile(dd.goal(id), `---\ngoal: ${id}\n---\n\n${`Work on ${id}. `.repeat(30)}\n`);
    }
    const sensor = (name: string, n: number) =>
      Deno.writeTextFile(dd.sensor(name), `#!/bin/sh\necho '{"signal":{"open":${n}},"detail":{"url":"x"}}'\n`, {
        mode: 0o755,
      });
    for (const [i, name] of ["ci", "issues", "prs", "deploys", "alerts"].entries()) await sensor(name, i);
    const config = ConfigSchema.parse({
      runners: { pi: { tick: `${ROOT}/tests/fixtures/fake-pi` } },
      sandbox: { mode: "off" },
    });
    let t = new Date("2026-12-01T10:00:00Z").getTime();
    const ctx = { ...beatContext(dd, config, { log: quiet, sensors: DEFAULT_SENSOR_LIMITS, decideTimeoutS: 60 }) };
    ctx.now = () => new Date(t);
    await runBeat(ctx);
    await sensor("prs", 42); // one signal moves
    t += 60_000;
    await runBeat(ctx);
    const runs = [...Deno.readDirSync(dd.runsDir)].map((e) => e.name).sort();
    if (runs.length !== 2) throw new Error(`expected 2 decides, got ${runs.length}`);
    const [a, b] = runs.map((r) => new TextEncoder().encode(Deno.readTextFileSync(`${dd.runsDir}/${r}/prompt.md`)));
    let prefix = 0;
    while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
    return { share: prefix / b.length, prefix, bytes: b.length };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) console.log(reportPrompt(await promptBench()));

export function reportPrompt(r: { share: number; prefix: number; bytes: number }): string {
  return `prompt cache: ${r.prefix} of ${r.bytes} B identical prefix between two decides a minute apart with one ` +
    `sensor change = ${(r.share * 100).toFixed(1)}% (goal >= 80%)`;
}
