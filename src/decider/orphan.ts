/**
 * A decide left behind (SPEC §5): a pulse killed with SIGKILL mid-decide leaves its runner running
 * in a process group of its own, and sessions/pulse/decide.json naming it. Whoever takes the pulse
 * lock next ends that group (only while the OS still reports the recorded start time), meters
 * what the runner's stream says it spent, and closes the run.
 */
import { type DecideFlight, DecideFlightSchema } from "../core/schemas.ts";
import { summarizeStream } from "../core/stream.ts";
import { readTextIfExists, writeFileAtomic } from "../sys/fs.ts";
import { processFacts, signalGroupOfGone } from "../sys/process.ts";
import { clearDecideFlight, readDecideFlight } from "../store/inflight.ts";
import type { DataDir } from "../store/layout.ts";

export type OrphanDecide = {
  flight: DecideFlight;
  /** the runner (or something of its group) was still running and was ended */
  ended: boolean;
  /** its pid now belongs to another process, which was left alone */
  stranger: boolean;
  /** what its stream says it spent (undefined: it reported nothing) */
  costUsd: number | undefined;
};

/**
 * End the decide a dead pulse left, if any; the caller holds the pulse lock. A record that does
 * not parse names nothing that can be signalled safely: it is removed and said (`corrupt`).
 */
export async function endOrphanDecide(dd: DataDir): Promise<OrphanDecide | { corrupt: string } | undefined> {
  const read = await readDecideFlight(dd, DecideFlightSchema);
  if (read.kind === "absent") return undefined;
  if (read.kind === "corrupt") {
    await clearDecideFlight(dd);
    return { corrupt: read.error };
  }
  const flight = read.value;
  let ended = false;
  let stranger = false;
  if (flight.pid !== undefined) {
    const target = { pid: flight.pid, start: flight.pid_start };
    const facts = await processFacts([flight.pid]);
    const now = facts?.get(flight.pid);
    stranger = !!now && (!flight.pid_start || now.start !== flight.pid_start);
    // Its group outlives the leader only through what the leader started: that goes too.
    ended = await signalGroupOfGone(target, "SIGKILL");
  }
  const dir = `${dd.runsDir}/${flight.run_id}`;
  const stream = await readTextIfExists(`${dir}/stream.jsonl`).catch(() => undefined);
  const costUsd = stream === undefined ? undefined : summarizeStream(stream, {
    cost: flight.cost,
    prices: flight.prices && { table: flight.prices, runner: flight.runner },
  })
    .costUsd;
  await writeFileAtomic(
    `${dir}/result.json`,
    JSON.stringify({ ok: false, reason: "the pulse died during the decide", cost_usd: costUsd ?? null }) + "\n",
    0o600,
  ).catch(() => {}); // its run dir may have been pruned
  await clearDecideFlight(dd);
  return { flight, ended, stranger, costUsd };
}
