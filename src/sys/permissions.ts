/**
 * looop's one Deno permission set (SPEC §10). deno.json's `looop`, `test` and `compile` tasks use
 * exactly these flags (tests/permissions_test.ts checks it), and so does every looop process that
 * looop itself starts from source. No `-A`, no prompts.
 */

/** Every environment variable looop reads. `env()` accepts only these names. */
export const ENV_VARS = [
  "HOME",
  "PATH",
  "TMPDIR",
  "TERM",
  "NO_COLOR",
  "FORCE_COLOR", // read by commander
  "CLICOLOR_FORCE", // read by commander
  "XDG_STATE_HOME",
  "LOOOP_DATA_DIR",
  "LOOOP_CONFIG",
  "LOOOP_SESSION_ID",
  "LOOOP_RUNNER",
  "LOOOP_BIN",
  "LOOOP_INTERVAL",
  "LOOOP_SENSOR_TIMEOUT",
  "LOOOP_SENSOR_MAX_BYTES",
  "LOOOP_ASK_POLL_MS",
  "LOOOP_ASK_TIMEOUT_S",
  "LOOOP_TELL_GRACE_S", // how long a tell waits for `_ ask` or `_ told` before the host types it in
  // the guards' settings, named as the original looop names them (core/guards.ts guardLimits)
  "LOOOP_MAX_DECIDES_PER_HOUR",
  "LOOOP_MAX_NEXT_INTERVAL",
  "LOOOP_TICK_TIMEOUT_SECS",
  "LOOOP_NOOP_TTL",
  "LOOOP_FLAP_STREAK",
  "LOOOP_RUNNER_RETRIES",
  "LOOOP_MAX_WORKERS",
  "LOOOP_PLAYBOOK_KEEP", // earlier PLAYBOOKs kept in playbook.d/ (also in guardLimits)
  "LOOOP_WORKER_STUCK_SECS", // a silent worker is stuck after this (guardLimits, and `_ state` itself)
  "DENO_DIR", // handed on to a Deno-native sensor's own process
] as const;
export type EnvName = (typeof ENV_VARS)[number];

/**
 * Read and write are whole, not narrowed to the data dir, the config and temp: the data dir is
 * known only at run time, a compiled binary's flags are fixed at build time, and Deno 2.9 cannot
 * narrow a grant afterwards (`Deno.permissions.revoke` of a path under a whole grant is a no-op).
 * Sensors and run_shell, the code that is not looop's, are confined by the OS sandbox instead.
 * `--allow-run` is unscoped because killing a worker's whole process group needs it.
 * `--allow-env` is unscoped because a worker inherits the user's whole environment (its API keys,
 * PATH) through its terminal, and node-pty takes the environment as an object, which Deno builds
 * only with unscoped env access. looop itself reads only ENV_VARS (see sys/env.ts).
 * `--allow-ffi` loads node-pty's prebuilt terminal addon, and calls libc's posix_spawn, which starts
 * a sensor in a session of its own for the price of a plain spawn (sys/posix_spawn.ts).
 * `--allow-net` is unscoped because the hosts are the user's: the OS sandbox's proxies (in this
 * process) forward to `sandbox.allow_net`, and a Deno-native sensor's Worker may be granted the
 * hosts its header declares, which the parent must hold itself.
 * `--allow-sys` names what the sandbox library reads about the machine (uid, home, OS release).
 * `--unstable-worker-options` lets those Workers run with narrower permissions than looop.
 * `--max-semi-space-size=1` (MB) keeps V8's young generation at its starting size: the pulse runs
 * for weeks and makes short-lived garbage every beat, for which V8 otherwise grows the young
 * generation to 16 MB a half. Measured over 3,000 beats: RSS levels off at 83 MB instead of 110,
 * reached by beat 1,000 instead of creeping up in steps until beat 9,000; no cost in beat time.
 */
export const PERMISSION_FLAGS = [
  "--no-prompt",
  "--unstable-worker-options",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-ffi",
  "--allow-net",
  "--allow-sys=uid,homedir,osRelease",
  "--v8-flags=--max-semi-space-size=1",
] as const;

/**
 * Extra V8 flags for the two processes looop starts to run in the background for long, the pulse
 * and each session host (sys/self.ts selfArgv `background`). `--lite-mode` runs JavaScript in V8's
 * interpreter only (no optimizing compilers, no WebAssembly, which neither uses): their work is
 * waiting on files and processes, so the compiled code and the heap that optimizing grows are
 * memory for nothing. Measured (bench/fleet_bench.ts): the pulse after 1,000 beats 72-79 MB instead
 * of 85-87, with no optimized code piling up over beats (what remains is the heap's sawtooth between
 * collections); the beat as fast within noise; an idle host about 1 MB less (it has run little yet).
 * Other V8 flags were measured and left out, each within 0.5 MB of `--lite-mode` alone at the
 * pulse's first beat: `--jitless`, `--optimize-for-size`, `--single-threaded`, `--single-threaded-gc`.
 * Only here and not in PERMISSION_FLAGS because V8 flags are per process: `watch` renders
 * terminals with xterm, which the interpreter slows down. A `deno compile`d looop cannot take
 * them: its V8 flags are fixed when it is built and it reads neither `--v8-flags` nor
 * DENO_V8_FLAGS when it runs.
 */
export const BACKGROUND_V8_FLAGS = ["--lite-mode"] as const;

/**
 * Deno's own flags for the same two processes: `--no-code-cache` keeps Deno from mapping its V8
 * code cache (a database of compiled modules) into a process that compiles its modules once and
 * then runs for days: 2.5-4 MB less RSS for the pulse and for each host. Compiling without the
 * cache costs a verb that loads commander some 40 ms; `_ worker start`, which waits for its host
 * to start, was no slower within noise (330-520 ms against 450-590 ms with the cache).
 */
export const BACKGROUND_DENO_FLAGS = ["--no-code-cache"] as const;

/**
 * PERMISSION_FLAGS for the pulse and a session host run from source: the same permissions,
 * BACKGROUND_DENO_FLAGS and BACKGROUND_V8_FLAGS added.
 */
export function backgroundFlags(): string[] {
  return [
    ...BACKGROUND_DENO_FLAGS,
    ...PERMISSION_FLAGS.map((f) => f.startsWith("--v8-flags=") ? [f, ...BACKGROUND_V8_FLAGS].join(",") : f),
  ];
}

/**
 * The environment of every Deno process looop starts of itself from source (the pulse, the hosts,
 * a `.ts` sensor's process, a worker's $LOOOP_BIN): `deno run` otherwise checks for a newer Deno
 * at each start, and now and then fetches dl.deno.land from the background to learn it. looop's
 * processes must reach no host they were not told to (a sandboxed one would be refused anyway),
 * and the check costs each process 2 MB. A compiled looop makes no such check.
 */
export const SELF_ENV: Readonly<Record<string, string>> = { DENO_NO_UPDATE_CHECK: "1" };

/** Why looop holds each permission: said when one is missing, so the fix is obvious. */
const WHY: Record<string, string> = {
  read: "it reads its data dir, its config and your sensor scripts",
  write: "it keeps all its state as files in its data dir",
  run: "it runs your sensors, the runner CLI and worker sessions as processes",
  env: "it reads LOOOP_* settings, HOME and PATH, and hands workers your environment",
  net: "Deno-native sensors fetch the hosts they declare and the sandbox proxies sandbox.allow_net",
  ffi: "the session host drives the worker's terminal through node-pty, and sensors start through libc's posix_spawn",
  sys: "the OS sandbox reads the user id, home dir and OS release",
  import: "it loads its own modules",
};

/**
 * A Deno "Requires <kind> access to …" message as one looop line: the flag, what was asked, and
 * why looop needs it. Undefined when the message is not a permission message.
 */
export function explainMissingPermission(message: string): string | undefined {
  const m = /Requires (\w+) access(?: to ([^,]+))?/.exec(message);
  if (!m) return undefined;
  const kind = m[1];
  const flag = /--allow-[a-z]+/.exec(message)?.[0] ?? `--allow-${kind}`;
  return `missing Deno permission ${flag}${m[2] ? ` (${kind} access to ${m[2].trim()})` : ""}: looop needs it because ${
    WHY[kind] ?? "it is part of looop's permission set"
  } — run looop as its release binary or through \`deno task looop\`, which grant exactly looop's permission set`;
}
