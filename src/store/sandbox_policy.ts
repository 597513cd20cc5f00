/**
 * What sandboxed code may touch in and around this data dir (SPEC §10): write only scratch/ and
 * sandbox.allow_write; read nothing secret, and not the mailbox, the config or the worker sessions
 * (a worker's terminal may show anything it saw); everything else
 * in the data dir (PLAYBOOK, goals, sensors, schedules, journal, ledger, snapshots, runs, sessions, claims,
 * bin, reports and every dotfile) is read-only because it is not writable.
 */
import type { Config } from "../core/config.ts";
import { env } from "../sys/env.ts";
import { LIBRARY_TMP_PATHS, LIBRARY_WRITE_PATHS, type SandboxPolicy, SECRET_PATHS } from "../sys/sandbox.ts";
import { realPathIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

const isAtOrUnder = (p: string, dir: string) => p === dir || p.startsWith(dir.replace(/\/$/, "") + "/");

export function sandboxPolicy(dd: DataDir, config: Config): SandboxPolicy {
  const home = env("HOME");
  const expand = (p: string) => (p.startsWith("~/") && home ? `${home}${p.slice(1)}` : p);
  const allowWrite = config.sandbox.allow_write.map(expand);
  return {
    mode: config.sandbox.mode,
    allowWrite: [dd.scratchDir, ...allowWrite],
    // Writable for the library's own convenience where they exist: not for looop's sandboxed code.
    denyWrite: [...(home ? LIBRARY_WRITE_PATHS.map((p) => `${home}/${p}`) : []), ...LIBRARY_TMP_PATHS]
      .filter((p) => realPathIfExists(p) !== undefined),
    denyRead: [
      ...(home ? SECRET_PATHS.map((p) => `${home}/${p}`) : []),
      dd.asksDir,
      dd.answersDir,
      dd.configPath,
      dd.configFacts,
      // A worker's terminal and brief may hold anything the worker saw.
      dd.sessionsDir,
    ],
    tmpDir: dd.tmpDir,
    problem: allowWriteProblem(dd, allowWrite),
  };
}

/** An allow_write entry that would open the data dir (or the config) to sandboxed writes. */
function allowWriteProblem(dd: DataDir, allowWrite: string[]): string | undefined {
  const root = realPathIfExists(dd.root) ?? dd.root;
  const config = realPathIfExists(dd.configPath) ?? dd.configPath;
  for (const entry of allowWrite) {
    const real = realPathIfExists(entry) ?? entry;
    if (isAtOrUnder(root, real) || isAtOrUnder(real, root) || isAtOrUnder(config, real)) {
      return `sandbox.allow_write entry ${entry} overlaps the data dir ${dd.root} or its config — ` +
        `sandboxed code writes only ${dd.scratchDir}; remove that entry from the config`;
    }
  }
  return undefined;
}
