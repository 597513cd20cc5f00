/**
 * The release build (SPEC §11): `deno compile` for four platforms under the one permission set,
 * a source archive for install.sh's Deno fallback, and dist/SHA256SUMS over all of them.
 * tools/tasks.ts writes `releaseTask()` into deno.json as the `release` task; run as a script,
 * this file writes dist/SHA256SUMS (the task's last step) and needs only SUMS_FLAGS.
 */
import { PERMISSION_FLAGS } from "../src/sys/permissions.ts";

export const DIST = "dist";
export const ENTRY = "src/main.ts";

export type Target = { triple: string; os: "linux" | "darwin"; arch: "x86_64" | "aarch64" };

/** The release platforms; the asset names are what install.sh derives from `uname`. */
export const TARGETS: readonly Target[] = [
  { triple: "x86_64-unknown-linux-gnu", os: "linux", arch: "x86_64" },
  { triple: "aarch64-unknown-linux-gnu", os: "linux", arch: "aarch64" },
  { triple: "x86_64-apple-darwin", os: "darwin", arch: "x86_64" },
  { triple: "aarch64-apple-darwin", os: "darwin", arch: "aarch64" },
];

export const assetName = (t: Target) => `looop-${t.os}-${t.arch}`;

/** The source of the tagged commit; install.sh verifies and runs it with Deno where no binary fits. */
export const SOURCE_ASSET = "looop-src.tar.gz";
export const SUMS_FILE = "SHA256SUMS";

/**
 * Modules `deno compile` cannot find by itself: a Worker's main module, and the verb modules
 * src/main.ts imports by a computed URL. tests/dist/release_test.ts checks that every
 * `new Worker(new URL(...))` under src/ and every `load(...)` in src/main.ts is here.
 */
export const COMPILE_INCLUDES: readonly string[] = [
  "src/sensor/ts_worker.ts",
  "src/supervisor/screen_worker.ts",
  "src/cli/state.ts",
  "src/cli/answer.ts",
  "src/cli/host.ts",
  "src/cli/pulse_run.ts",
  "src/cli/ts_sensor.ts",
  "src/cli/program.ts",
  "src/sys/permissions.ts",
];

const includeArgs = () => COMPILE_INCLUDES.flatMap((p) => ["--include", p]);

/** Arguments of the host build (`deno task compile`). */
export function hostCompileArgs(): string[] {
  return ["compile", ...PERMISSION_FLAGS, ...includeArgs(), "--output", `${DIST}/looop`, ENTRY];
}

/**
 * Arguments of one release build. `--target` also selects the npm optional packages for that
 * platform, so node-pty's prebuilt addon in the binary is the target's (@lydell/node-pty-<os>-<cpu>).
 * The macOS builds self-extract: node-pty starts each terminal through its `spawn-helper`
 * executable, which the OS can only run from a real file, not from the in-memory file system.
 */
export function compileArgs(t: Target): string[] {
  const extract = t.os === "darwin" ? ["--self-extracting"] : [];
  return [
    "compile",
    ...PERMISSION_FLAGS,
    ...includeArgs(),
    ...extract,
    "--target",
    t.triple,
    "--output",
    `${DIST}/${assetName(t)}`,
    ENTRY,
  ];
}

/** This script's own permissions: read the assets, write the one sums file. */
export const SUMS_FLAGS = ["--no-prompt", `--allow-read=${DIST}`, `--allow-write=${DIST}/${SUMS_FILE}`] as const;

/**
 * The `release` task: the four compiles, the source archive, then the sums. The compiles run as
 * task commands (where `deno` is the running Deno) so this script needs no right to run processes.
 */
export function releaseTask(): string {
  return [
    ...TARGETS.map((t) => ["deno", ...compileArgs(t)].join(" ")),
    `git archive --format=tar.gz --prefix=looop/ --output ${DIST}/${SOURCE_ASSET} HEAD`,
    ["deno", "run", ...SUMS_FLAGS, "tools/release.ts"].join(" "),
  ].join(" && ");
}

/** Every file SHA256SUMS covers, in the order it lists them. */
export const RELEASE_ASSETS: readonly string[] = [...TARGETS.map(assetName), SOURCE_ASSET].sort();

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `sha256sum` format: `<hex>  <name>` per line. Throws naming the first missing asset. */
export async function writeSums(dir: string, names: readonly string[] = RELEASE_ASSETS): Promise<string> {
  const lines: string[] = [];
  for (const name of names) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(`${dir}/${name}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new Error(`${dir}/${name} is missing — run the whole release task`);
      throw e;
    }
    lines.push(`${await sha256Hex(bytes)}  ${name}`);
  }
  const text = lines.join("\n") + "\n";
  await Deno.writeTextFile(`${dir}/${SUMS_FILE}`, text);
  return text;
}

if (import.meta.main) {
  try {
    console.log((await writeSums(DIST)).trimEnd());
  } catch (e) {
    console.error(`release: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
