/**
 * The two long-lived processes load only what they use (#16): the modules `_ pulse` and `_ host`
 * import when they start, read from Deno's own module graph (`deno info --json`), following
 * the imports that run at load time (not type-only ones, not the `import()`s of rare paths).
 */
import { assert, assertEquals } from "../assert.ts";
import { DENO, ROOT } from "../helpers.ts";

type Dep = { code?: { specifier: string }; isDynamic?: boolean };
type Info = {
  roots: string[];
  modules: { specifier: string; dependencies?: Dep[] }[];
  redirects: Record<string, string>;
};

/** The specifiers loaded when `entry` is imported, its npm packages by name (`npm:/zod@4.6.7` → `zod`). */
async function loadedAtStart(entry: string): Promise<{ local: string[]; npm: string[] }> {
  const out = await new Deno.Command(DENO, { args: ["info", "--json", entry], cwd: ROOT, stdout: "piped" }).output();
  assert(out.success, `deno info ${entry}`);
  const info: Info = JSON.parse(new TextDecoder().decode(out.stdout));
  const byName = new Map(info.modules.map((m) => [m.specifier, m]));
  const resolve = (s: string) => info.redirects[s] ?? s;
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of byName.get(s)?.dependencies ?? []) if (d.code && !d.isDynamic) walk(resolve(d.code.specifier));
  };
  walk(resolve(info.roots[0]));
  const npm = [...seen].filter((s) => s.startsWith("npm:"))
    .map((s) => s.replace(/^npm:\/?/, "").replace(/@[^@/]+$/, "")).sort();
  const local = [...seen].filter((s) => s.startsWith("file:")).map((s) => s.slice(`file://${ROOT}/`.length)).sort();
  return { local, npm };
}

Deno.test("`_ pulse` starts without the CLI framework, the terminal emulator, the PTY library or the sandbox runtime", async () => {
  const { local, npm } = await loadedAtStart("src/cli/pulse_run.ts");
  // zod: every file format and move is a schema; strip-json-comments: the config is JSONC.
  assertEquals(npm, ["strip-json-comments", "zod"]);
  for (const f of ["src/cli/program.ts", "src/supervisor/screen.ts", "src/sys/pty.ts"]) {
    assert(!local.includes(f), `${f} is loaded by the pulse`);
  }
});

Deno.test("`_ host` starts with the PTY library only: no zod, no terminal emulator, no CLI framework, no FFI spawner", async () => {
  const { local, npm } = await loadedAtStart("src/cli/host.ts");
  assertEquals(npm, ["@lydell/node-pty"]);
  // Nor the FFI spawner: the host starts its terminal through the PTY library, and `ps` plainly.
  for (const f of ["src/cli/program.ts", "src/supervisor/screen.ts", "src/sys/sandbox.ts", "src/sys/posix_spawn.ts"]) {
    assert(!local.includes(f), `${f} is loaded by the host`);
  }
});
