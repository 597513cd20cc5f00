/**
 * Harness for the confinement tests: loopback HTTP servers that count their hits, a dir outside
 * every data dir, and a PATH without bubblewrap (symlinks to just the tools a beat needs).
 */

/** A unique suffix for files a test plants (and must not find afterwards). */
export function unique(): string {
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

export type Server = { port: number; marker: string; hits: () => number; close(): Promise<void> };

/** A Deno.serve on 127.0.0.1:0 that answers `marker` and counts requests; close() it. */
export function startServer(): Server {
  const marker = `reached-${unique()}`;
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return new Response(marker);
  });
  return { port: server.addr.port, marker, hits: () => hits, close: () => server.shutdown() };
}

/** Start servers for `fn`, shut them down afterwards whatever happens. */
export async function withServers(n: number, fn: (servers: Server[]) => Promise<void>): Promise<void> {
  const servers = Array.from({ length: n }, () => startServer());
  try {
    await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

async function whichPath(bin: string): Promise<string | undefined> {
  const out = await new Deno.Command("bash", { args: ["-c", `command -v ${bin}`], stdout: "piped" }).output();
  const p = new TextDecoder().decode(out.stdout).trim();
  return out.success && p.startsWith("/") ? p : undefined;
}

/**
 * The tools a beat and the fake runner use. The sandbox library looks its dependencies up with
 * `which` (bwrap, socat, rg), so `which` is there, and so are socat and rg: only bwrap is missing.
 */
const TOOLS = [
  "bash",
  "sh",
  "env",
  "cat",
  "echo",
  "mktemp",
  "curl",
  "ps",
  "which",
  "head",
  "tail",
  "mv",
  "rm",
  "mkdir",
  "tr",
  "dirname",
  "sleep",
  "socat",
  "rg",
];

/** A bin dir under `base` with symlinks to TOOLS (and the real python3 the fake runner needs), no bwrap. */
export async function pathWithoutBwrap(base: string): Promise<string> {
  const bin = `${base}/nobwrap-bin`;
  await Deno.mkdir(bin, { recursive: true });
  for (const t of TOOLS) {
    const p = await whichPath(t);
    if (p) await Deno.symlink(await Deno.realPath(p), `${bin}/${t}`);
  }
  const py = await new Deno.Command("python3", { args: ["-c", "import sys; print(sys.executable)"], stdout: "piped" })
    .output();
  const exe = new TextDecoder().decode(py.stdout).trim();
  if (py.success && exe) await Deno.symlink(exe, `${bin}/python3`);
  if (await whichPathIn(bin, "bwrap")) throw new Error("bwrap leaked into the restricted PATH");
  return bin;
}

async function whichPathIn(bin: string, name: string): Promise<boolean> {
  return await Deno.lstat(`${bin}/${name}`).then(() => true, () => false);
}

/** Does `path` exist (without following a final symlink)? */
export async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
