/**
 * The OS sandbox for sensors and run_shell (SPEC §10), through @anthropic-ai/sandbox-runtime
 * (bubblewrap + socat on Linux, sandbox-exec on macOS), initialized once per process. Inside it a
 * command may write only the data dir's scratch/ and sandbox.allow_write, reads no secret and
 * none of looop's hidden files, reaches only the hosts it is given (through the library's
 * proxies, which live in this process), and gets only the environment it is given.
 */
import { explainMissingPermission } from "./permissions.ts";
import { killProcess } from "./process.ts";
import { type RunOptions, runProcess, type RunResult } from "./spawn.ts";

export type SandboxMode = "auto" | "required" | "off";

export type SandboxPolicy = {
  mode: SandboxMode;
  /** the only writable places: the data dir's scratch/ and sandbox.allow_write */
  allowWrite: string[];
  /** read-only even where the library would make them writable (its own convenience dirs) */
  denyWrite: string[];
  /** hidden: the usual secret locations, the mailbox, the config */
  denyRead: string[];
  /** the TMPDIR sandboxed commands get (inside allowWrite) */
  tmpDir: string;
  /** why this policy must not be used at all (it would open looop's own files to writes) */
  problem?: string;
};

/** The sandbox this process has: on, or off with the reason and the mode that decides what runs. */
export type Sandbox =
  | { kind: "on"; note?: string }
  | { kind: "off"; reason: string; mode: SandboxMode };

/**
 * What one sandboxed command gets beyond the policy: its hosts and its whole environment, and
 * (`write`) absolute paths it may write besides the policy's (the decide's runner: its run dir
 * and its own state dirs). A wrap with its own paths is not kept for reuse.
 */
export type Confinement = { net: string[]; env: Record<string, string>; write?: string[] };

/** Secret locations no sandboxed command may read (relative to $HOME). */
export const SECRET_PATHS = [
  ".ssh",
  ".aws",
  ".gnupg",
  ".config/gh",
  ".netrc",
  ".docker/config.json",
  ".kube",
  ".config/gcloud",
  ".azure",
  ".npmrc",
  ".pypirc",
  ".git-credentials",
  ".config/looop",
];

/**
 * Places the library makes writable for its own convenience when they exist (relative to $HOME,
 * and its own temp dir). Sandboxed code must write nowhere but scratch/ and allow_write.
 */
export const LIBRARY_WRITE_PATHS = [".npm/_logs", ".claude/debug"];
export const LIBRARY_TMP_PATHS = ["/tmp/claude", "/private/tmp/claude"];

export const WRAP_TTL_MS = 10 * 60 * 1000;

type Lib = typeof import("@anthropic-ai/sandbox-runtime");

let current: Promise<Sandbox> | undefined;
let currentKey: string | undefined;
let currentPolicy: SandboxPolicy | undefined;
let lib: Lib | undefined;
/** Wrapped commands, by command and hosts: wrapping costs more than running a small command. */
const wraps = new Map<string, { wrapped: string; id: string; at: number }>();
/** Runs in flight per wrap id: its host list is registered while at least one runs. */
const inFlight = new Map<string, number>();

/** 128 random bits, base64url: the id that binds a command's connections to its host list. */
function unguessableId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function initialize(policy: SandboxPolicy): Promise<Sandbox> {
  const { mode } = policy;
  if (mode === "off") return { kind: "off", reason: "sandbox.mode is off", mode };
  // A policy that would let sandboxed code write looop's own files is no sandbox: nothing runs.
  if (policy.problem) return { kind: "off", reason: policy.problem, mode: "required" };
  let mod: Lib;
  try {
    mod = await import("@anthropic-ai/sandbox-runtime");
  } catch (e) {
    return { kind: "off", reason: `the sandbox library did not load: ${e instanceof Error ? e.message : e}`, mode };
  }
  const { SandboxManager } = mod;
  // The library hands each command a TMPDIR of its choosing, taken from this variable.
  Deno.env.set("CLAUDE_CODE_TMPDIR", policy.tmpDir);
  if (!SandboxManager.isSupportedPlatform()) return { kind: "off", reason: `no OS sandbox on ${Deno.build.os}`, mode };
  const deps = SandboxManager.checkDependencies();
  if (deps.errors.length) {
    return { kind: "off", reason: `${deps.errors.join("; ")} (Linux needs bubblewrap, socat and ripgrep)`, mode };
  }
  // No host is allowed to every command: each wrapped command's hosts are registered under its
  // own unguessable id (see runConfined).
  const config = (allowAllUnixSockets: boolean) => ({
    network: { allowedDomains: [], deniedDomains: [], allowAllUnixSockets },
    filesystem: { denyRead: policy.denyRead, allowWrite: policy.allowWrite, denyWrite: policy.denyWrite },
  });
  const probe = async (): Promise<string | undefined> => {
    const wrapped = await SandboxManager.wrapWithSandbox("true");
    const r = await runProcess(["bash", "-c", wrapped], {
      cwd: "/",
      timeoutMs: 30_000,
      clearEnv: true,
      env: probeEnv(),
    });
    SandboxManager.cleanupAfterCommand();
    return r.outcome.kind === "exited" && r.outcome.code === 0
      ? undefined
      : (r.stderrTail.trim().split("\n").pop() || JSON.stringify(r.outcome));
  };
  try {
    await SandboxManager.initialize(config(false));
    let problem = await probe();
    let note: string | undefined;
    if (problem) {
      // Where the seccomp layer cannot set up its user namespace (seen as root in some VMs),
      // bubblewrap alone still confines files and network; only Unix sockets go unfiltered.
      await SandboxManager.reset();
      await SandboxManager.initialize(config(true));
      note = `the seccomp layer is unavailable here (${problem}): Unix sockets are not filtered`;
      problem = await probe();
    }
    if (problem) {
      await SandboxManager.reset();
      return { kind: "off", reason: `the sandbox does not run here: ${problem}`, mode };
    }
    lib = mod;
    return { kind: "on", note };
  } catch (e) {
    const why = e instanceof Deno.errors.NotCapable ? explainMissingPermission(e.message) : undefined;
    return { kind: "off", reason: `the sandbox did not start: ${why ?? (e instanceof Error ? e.message : e)}`, mode };
  }
}

function probeEnv(): Record<string, string> {
  const path = Deno.env.get("PATH");
  return path ? { PATH: path } : {};
}

/** The process's sandbox for `policy`: set up on first use, again only when the policy changes. */
export async function sandbox(policy: SandboxPolicy): Promise<Sandbox> {
  const key = JSON.stringify(policy);
  if (current && currentKey !== key) await resetSandbox();
  if (!current) {
    currentKey = key;
    currentPolicy = policy;
    current = initialize(policy);
  }
  return current;
}

/** What may run given the sandbox: confined, unconfined (the user accepted it), or nothing. */
export type SandboxVerdict = { run: "confined" } | { run: "unconfined" } | { run: "refused"; reason: string };

/**
 * Fail safe (SPEC §10). `code` is what would run: a sensor already in sensors/ (written by a
 * human, or while the sandbox was on), or what an LLM just wrote (a run_shell or write_sensor
 * move). Without a sandbox, `auto` runs sensors with a warning and refuses moves; `required`
 * refuses both; `off` runs everything, as the user chose.
 */
export function sandboxVerdict(sb: Sandbox, code: "sensor" | "move"): SandboxVerdict {
  if (sb.kind === "on") return { run: "confined" };
  switch (sb.mode) {
    case "off":
      return { run: "unconfined" };
    case "auto":
      if (code === "sensor") return { run: "unconfined" };
      return {
        run: "refused",
        reason: `no OS sandbox here (${sb.reason}), and LLM-written code never runs unconfined — ` +
          `install bubblewrap, socat and ripgrep, or set "sandbox": {"mode": "off"} in the config to accept the risk`,
      };
    case "required":
      return {
        run: "refused",
        reason: `sandbox.mode is "required" but ${sb.reason} — install bubblewrap, socat and ripgrep, ` +
          `or set "sandbox": {"mode": "auto"} in the config`,
      };
    default: {
      const never: never = sb.mode;
      return never;
    }
  }
}

/** The library exempts loopback and private ranges from its proxy, but inside the sandbox's empty
 * network they are reachable only through it. */
const LOCAL = /^(localhost|127\.|::1|\[::1\]|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/;

/**
 * Run shell command `cmd` inside the sandbox (which must be on), reaching only `c.net` and with
 * the environment `c.env` alone. The wrapped form of a command is kept for a while (the library
 * resolves deny paths when it wraps, so a secret dir created later is covered within WRAP_TTL_MS).
 */
export async function runConfined(cmd: string, c: Confinement, opts: Omit<RunOptions, "env">): Promise<RunResult> {
  if (!lib) throw new Error("runConfined without a sandbox");
  const { SandboxManager } = lib;
  // The library ends its network bridges on SIGINT and SIGTERM (a handler of its own), the same
  // signals that abort looop's runs: after the stop, a command is aborted, not wrapped in vain.
  const aborted = (): RunResult => ({ outcome: { kind: "aborted" }, stdout: new Uint8Array(), stderrTail: "", ms: 0 });
  if (opts.signal?.aborted) return aborted();
  const key = `${c.net.join(",")}\n${cmd}`;
  let w = c.write?.length ? undefined : wraps.get(key);
  if (!w || Date.now() - w.at >= WRAP_TTL_MS) {
    const id = unguessableId();
    const prefix = c.net.some((h) => LOCAL.test(h)) ? "unset NO_PROXY no_proxy; " : "";
    // The library's per-command filesystem replaces its list, field by field: the policy's own
    // writable places stay, and its denials with them.
    const custom = c.write?.length && currentPolicy
      ? {
        filesystem: {
          allowWrite: [...currentPolicy.allowWrite, ...c.write],
          denyWrite: currentPolicy.denyWrite,
          denyRead: currentPolicy.denyRead,
        },
      }
      : undefined;
    let wrapped: string;
    try {
      wrapped = await SandboxManager.wrapWithSandbox(prefix + cmd, undefined, custom, undefined, {
        commandId: id,
        commandText: cmd,
      });
    } catch (e) {
      if (opts.signal?.aborted) return aborted();
      throw e;
    }
    // The library counts every wrap as a sandbox in use until its clean-up, which runConfined
    // calls after every run: a wrap that is kept counts once, like the run that made it.
    w = { wrapped, id, at: Date.now() };
    if (!c.write?.length) wraps.set(key, w);
  }
  const { id } = w;
  const running = inFlight.get(id) ?? 0;
  if (c.net.length && running === 0) SandboxManager.registerCommandNetworkLists(id, { allowedDomains: c.net });
  inFlight.set(id, running + 1);
  try {
    return await runProcess(["bash", "-c", w.wrapped], { ...opts, env: c.env, clearEnv: true });
  } finally {
    const left = (inFlight.get(id) ?? 1) - 1;
    if (left > 0) inFlight.set(id, left);
    else {
      inFlight.delete(id);
      if (c.net.length) SandboxManager.unregisterCommandNetworkLists(id);
    }
    // Removes the mount points the library made on the host for this command (SPEC §10: a fresh
    // data dir must not be left with read-only placeholder files).
    SandboxManager.cleanupAfterCommand();
  }
}

/** Forget the sandbox (the policy changed, or the process is ending). */
export async function resetSandbox(): Promise<void> {
  if (!current) return;
  const s = await current;
  current = undefined;
  currentKey = undefined;
  currentPolicy = undefined;
  wraps.clear();
  inFlight.clear();
  if (s.kind === "on" && lib) {
    lib.SandboxManager.cleanupAfterCommand();
    await lib.SandboxManager.reset();
  }
  lib = undefined;
}

/**
 * Kill what a killed predecessor left in the OS sandbox: the bubblewrap processes that bind data
 * dir `root`'s scratch/ (the outer one and the namespace's init; the kernel then ends everything
 * inside). bwrap's --die-with-parent usually does it, but not when the pulse dies while bwrap is
 * still setting up, and then the library's socat bridges inside keep the sandbox alive for good.
 * Only for the holder of the pulse lock, when no other looop runs sandboxed commands for this data
 * dir. Linux only. Deno reads another process's /proc files only with every permission, so procps'
 * `pgrep -a` lists the bwrap processes with their command lines. Returns the pids killed.
 */
export async function reapOrphanSandboxes(scratch: string): Promise<number[]> {
  if (Deno.build.os !== "linux") return [];
  const r = await runProcess(["pgrep", "-a", "-x", "bwrap"], { cwd: "/", timeoutMs: 10_000 });
  if (r.outcome.kind !== "exited") return []; // no pgrep: no procps, and then most likely no bubblewrap either
  const killed: number[] = [];
  for (const line of new TextDecoder().decode(r.stdout).split("\n")) {
    const m = /^(\d+) (.*)$/.exec(line);
    if (!m || !` ${m[2]} `.includes(` --bind ${scratch} ${scratch} `)) continue;
    if (killProcess(Number(m[1]), "SIGKILL")) killed.push(Number(m[1]));
  }
  return killed;
}
