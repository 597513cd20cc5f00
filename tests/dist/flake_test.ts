/**
 * flake.nix: it parses, and its launcher runs src/main.ts under the one permission set. Building
 * it needs nixpkgs from the network, so here the flake is evaluated against a stub nixpkgs (Nix
 * builtins only, --readonly-mode: nothing is written to the store); the release workflow builds it.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { ROOT, type Run } from "../helpers.ts";
import { PERMISSION_FLAGS } from "../../src/sys/permissions.ts";

const FLAKE = `${ROOT}/flake.nix`;

function nixInstantiate(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/nix-instantiate`).isFile) return `${dir}/nix-instantiate`;
    } catch { /* not here */ }
  }
  return undefined;
}
const NIX = nixInstantiate();
const NO_NIX = "nix-instantiate is not installed (Debian: apt-get install nix-bin; .ci/run installs it)";

/** nix-instantiate with no store: as a normal user it would otherwise ask for the Nix daemon's socket. */
async function run(args: string[]): Promise<Run> {
  const out = await new Deno.Command(NIX!, {
    args: ["--store", "dummy://", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: `flake.nix parses (nix-instantiate --parse)${NIX ? "" : ` [ignored: ${NO_NIX}]`}`,
  ignore: !NIX,
  fn: async () => {
    const r = await run(["--parse", FLAKE]);
    assertEquals(r.code, 0, r.stderr);
  },
});

/** The flake's outputs with a stub nixpkgs whose writeShellScriptBin keeps the script text. */
const STUB_EVAL = `
let
  flake = import ${JSON.stringify(FLAKE)};
  systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
  pkgs = system: {
    deno = "/stub/deno-" + system;
    writeShellScriptBin = name: text: { inherit name text; outPath = "/stub/" + system + "/" + name; };
  };
  nixpkgs.legacyPackages = builtins.listToAttrs (map (s: { name = s; value = pkgs s; }) systems);
  out = flake.outputs { self = out; inherit nixpkgs; };
in {
  packages = builtins.mapAttrs (_: p: { default = p.default.text; looop = p.looop.name; }) out.packages;
  apps = out.apps;
}`;

Deno.test({
  name: `flake.nix: package and app for four systems; the launcher uses the one permission set${
    NIX ? "" : ` [ignored: ${NO_NIX}]`
  }`,
  ignore: !NIX,
  fn: async () => {
    const r = await run(["--eval", "--strict", "--json", "--readonly-mode", "-E", STUB_EVAL]);
    assertEquals(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      packages: Record<string, { default: string; looop: string }>;
      apps: Record<string, { default: { type: string; program: string } }>;
    };
    assertEquals(Object.keys(out.packages).sort(), [
      "aarch64-darwin",
      "aarch64-linux",
      "x86_64-darwin",
      "x86_64-linux",
    ]);
    for (const [system, p] of Object.entries(out.packages)) {
      assertEquals(p.looop, "looop");
      const exec = p.default.split("\n").find((l) => l.startsWith("exec "));
      assert(exec, p.default);
      const m = exec.match(
        /^exec \/stub\/deno-(\S+)\/bin\/deno run --quiet (.*) (\/nix\/store\/\S+-looop-src)\/src\/main\.ts "\$@"$/,
      );
      assert(m, exec);
      assertEquals(m[1], system);
      assertEquals(m[2].split(" "), [...PERMISSION_FLAGS]);
      assertEquals(out.apps[system].default, { type: "app", program: `/stub/${system}/looop/bin/looop` });
    }
  },
});

Deno.test("flake.nix takes its flags from deno.json's looop task, which holds the one permission set", async () => {
  // Always runs, with or without Nix: apply the flake's own pattern to the task, as Nix does.
  const flake = await Deno.readTextFile(FLAKE);
  const m = flake.match(
    /permissionFlags = builtins\.head \(builtins\.match "((?:[^"\\]|\\.)*)" denoJson\.tasks\.looop\)/,
  );
  assert(m, "flake.nix does not take permissionFlags from denoJson.tasks.looop");
  const pattern = new RegExp(`^${m[1].replace(/\\\\/g, "\\")}$`); // builtins.match matches the whole string
  const task: string = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.looop;
  const flags = task.match(pattern);
  assert(flags, `${pattern} does not match the looop task ${task}`);
  assertEquals(flags[1].split(" "), [...PERMISSION_FLAGS]);
  assertMatch(flake, /run --quiet \$\{permissionFlags\} \$\{src\}\/src\/main\.ts "\$@"/);
});
