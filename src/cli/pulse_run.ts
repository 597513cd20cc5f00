/**
 * `_ pulse`, the detached pulse `up` starts: its log in sessions/pulse/output.log, and the loop.
 * src/main.ts runs it without the commander program, so the long-lived pulse holds no CLI
 * framework and none of the other verbs' modules (bench/fleet_bench.ts measures its RSS).
 */
import { runPulse } from "../pulse/loop.ts";
import { PULSE_ID, sessionFiles } from "../store/sessions.ts";
import { ensureDir, openAppend } from "../sys/fs.ts";
import { config, dataDir } from "./context.ts";
import { makeLog } from "./ui/events.ts";

/** Run the pulse until it is stopped; its exit code. */
export async function pulseCommand(opts: { json: boolean }): Promise<number> {
  const dd = await dataDir();
  await ensureDir(sessionFiles(dd, PULSE_ID).dir);
  const out = await openAppend(sessionFiles(dd, PULSE_ID).output, 0o600);
  try {
    const log = makeLog(out, { json: opts.json, colour: false });
    return await runPulse(dd, { loadConfig: () => config(dd), log, command: "looop _ pulse" });
  } finally {
    out.close();
  }
}
