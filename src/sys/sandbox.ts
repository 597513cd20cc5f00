/**
 * The OS sandbox for shell sensors and run_shell (SPEC §10), through @anthropic-ai/sandbox-runtime
 * (bubblewrap + socat on Linux, sandbox-exec on macOS), initialized once per process: writes only
 * inside the allowed dirs, no reads of the usual secret locations, network only to allowed hosts
 * (through the library's proxies, which live in this process).
 */
import { explainMissingPermission } from "./permissions.ts";
import { killProcess } from "./process.ts";

export type SandboxPolicy = {
  mode: "auto" | "required" | "off";
  allowWrite: string[];
  /** inside the allowed dirs, but still read-only (looop's own policy files) */
  denyWrite: string[];
  denyRead: string[];
  allowNet: string[];
  /** the TMPDIR sandboxed commands get (inside allowWrite) */
  tmpDir: string;
};

export type Sandbox =
  | { kind: "on"; wrap(cmd: string): Promise<string>; note?: string }
  | { kind: "off"; reason: string; required: boolean };

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

export const WRAP_TTL_MS = 10 * 60 * 1000;

let current: Promise<Sandbox> | undefined;
let currentKey: string | undefined;

async function initialize(policy: SandboxPolicy): Promise<Sandbox> {
  if (policy.mode === "off") return { kind: "off", reason: "sandbox.mode is off", required: false };
  const required = policy.mode === "required";
  let mod: typeof import("@anthropic-ai/sandbox-runtime");
  try {
    mod = await import("@anthropic-ai/sandbox-runtime");
  } catch (e) {
    return { kind: "off", reason: `the sandbox library did not load: ${e instanceof Error ? e.message : e}`, required };
  }
  const { SandboxManager } = mod;
  // The library hands each command a TMPDIR of its choosing, taken from this variable.
  Deno.env.set("CLAUDE_CODE_TMPDIR", policy.tmpDir);
  if (!SandboxManager.isSupportedPlatform()) {
    return { kind: "off", reason: `no OS sandbox on ${Deno.build.os}`, required };
  }
  const deps = SandboxManager.checkDependencies();
  if (deps.errors.length) {
    return { kind: "off", reason: `${deps.errors.join("; ")} (Linux needs bubblewrap, socat and ripgrep)`, required };
  }
  const config = (allowAllUnixSockets: boolean) => ({
    network: { allowedDomains: policy.allowNet, deniedDomains: [], allowAllUnixSockets },
    filesystem: { denyRead: policy.denyRead, allowWrite: policy.allowWrite, denyWrite: policy.denyWrite },
  });
  const probe = async (): Promise<string | undefined> => {
    const wrapped = await SandboxManager.wrapWithSandbox("true");
    const out = await new Deno.Command("bash", { args: ["-c", wrapped], stdout: "null", stderr: "piped" }).output();
    return out.success ? undefined : new TextDecoder().decode(out.stderr).trim().split("\n").pop();
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
      return { kind: "off", reason: `the sandbox does not run here: ${problem}`, required };
    }
    // Wrapping costs more than running a small command (measured ~15 ms vs ~12 ms), and a sensor
    // is the same command every beat: keep each wrapped form for a while. The library resolves
    // deny paths when it wraps, so a secret dir created later is covered within WRAP_TTL_MS.
    const cache = new Map<string, { wrapped: string; at: number }>();
    // The library exempts loopback and private ranges from its proxy (NO_PROXY), but inside the
    // sandbox's empty network they are unreachable except through it: when the user allowed such
    // a host, commands go through the proxy for every host.
    const local = /^(localhost|127\.|::1|\[::1\]|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/;
    const prefix = policy.allowNet.some((h) => local.test(h)) ? "unset NO_PROXY no_proxy; " : "";
    const wrap = async (cmd: string) => {
      const hit = cache.get(cmd);
      if (hit && Date.now() - hit.at < WRAP_TTL_MS) return hit.wrapped;
      const wrapped = await SandboxManager.wrapWithSandbox(prefix + cmd);
      cache.set(cmd, { wrapped, at: Date.now() });
      return wrapped;
    };
    return { kind: "on", wrap, note };
  } catch (e) {
    const why = e instanceof Deno.errors.NotCapable ? explainMissingPermission(e.message) : undefined;
    return {
      kind: "off",
      reason: `the sandbox did not start: ${why ?? (e instanceof Error ? e.message : e)}`,
      required,
    };
  }
}

/** The process's sandbox for `policy`: set up on first use, again only when the policy changes. */
export async function sandbox(policy: SandboxPolicy): Promise<Sandbox> {
  const key = JSON.stringify(policy);
  if (current && currentKey !== key) await resetSandbox();
  if (!current) {
    currentKey = key;
    current = initialize(policy);
  }
  return current;
}

/** How to run shell command `cmd` under the sandbox, or why it must not run at all. */
export async function confined(
  sb: Sandbox,
  cmd: string,
  /** how to run it without a sandbox, when that is simpler than `bash -c cmd` (one exec less) */
  unconfined: string[] = ["bash", "-c", cmd],
): Promise<{ ok: true; argv: string[] } | { ok: false; reason: string }> {
  if (sb.kind === "on") return { ok: true, argv: ["bash", "-c", await sb.wrap(cmd)] };
  if (sb.required) {
    return {
      ok: false,
      reason: `sandbox.mode is "required" but ${sb.reason} — install bubblewrap, socat and ripgrep, ` +
        `or set "sandbox": {"mode": "auto"} in the config`,
    };
  }
  return { ok: true, argv: unconfined };
}

/** Forget the sandbox (the policy changed, or the process is ending). */
export async function resetSandbox(): Promise<void> {
  if (!current) return;
  const s = await current;
  current = undefined;
  currentKey = undefined;
  if (s.kind === "on") {
    const { SandboxManager } = await import("@anthropic-ai/sandbox-runtime");
    await SandboxManager.reset();
  }
}

/**
 * Kill what a killed predecessor left in the OS sandbox: the bubblewrap processes that bind data
 * dir `root` (the outer one and the namespace's init; the kernel then ends everything inside).
 * bwrap's --die-with-parent usually does it, but not when the pulse dies while bwrap is still
 * setting up, and then the library's socat bridges inside keep the sandbox alive for good. Only
 * for the holder of the pulse lock, when no other looop runs sandboxed commands for this data dir.
 * Linux only. Deno reads another process's /proc files only with every permission, so procps'
 * `pgrep -a` lists the bwrap processes with their command lines. Returns the pids killed.
 */
export async function reapOrphanSandboxes(root: string): Promise<number[]> {
  if (Deno.build.os !== "linux") return [];
  let listed = "";
  try {
    const out = await new Deno.Command("pgrep", { args: ["-a", "-x", "bwrap"], stdout: "piped", stderr: "null" })
      .output();
    listed = new TextDecoder().decode(out.stdout);
  } catch {
    return []; // no pgrep: no procps, and then most likely no bubblewrap either
  }
  const killed: number[] = [];
  for (const line of listed.split("\n")) {
    const m = /^(\d+) (.*)$/.exec(line);
    if (!m || !` ${m[2]} `.includes(` --bind ${root} ${root} `)) continue;
    if (killProcess(Number(m[1]), "SIGKILL")) killed.push(Number(m[1]));
  }
  return killed;
}
