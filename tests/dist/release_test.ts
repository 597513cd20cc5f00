/**
 * The release task (tools/release.ts): four targets with the right asset names, and the sums step
 * run for real under its own narrow flags, checked by the real `sha256sum -c`.
 */
import { assert, assertEquals } from "../assert.ts";
import { DENO, ROOT, type Run } from "../helpers.ts";
import { COMPILE_INCLUDES, RELEASE_ASSETS, SOURCE_ASSET, SUMS_FLAGS, TARGETS } from "../../tools/release.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
const steps = (denoJson.tasks.release as string).split(" && ");

async function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the release task compiles linux and macOS on x86_64 and aarch64 into looop-<os>-<arch>", () => {
  const compiles = steps.filter((s) => s.startsWith("deno compile "));
  const built = compiles.map((s) => {
    const w = s.split(" ");
    return { target: w[w.indexOf("--target") + 1], output: w[w.indexOf("--output") + 1], entry: w.at(-1) };
  });
  assertEquals(built, [
    { target: "x86_64-unknown-linux-gnu", output: "dist/looop-linux-x86_64", entry: "src/main.ts" },
    { target: "aarch64-unknown-linux-gnu", output: "dist/looop-linux-aarch64", entry: "src/main.ts" },
    { target: "x86_64-apple-darwin", output: "dist/looop-darwin-x86_64", entry: "src/main.ts" },
    { target: "aarch64-apple-darwin", output: "dist/looop-darwin-aarch64", entry: "src/main.ts" },
  ]);
  // macOS builds self-extract: node-pty's spawn-helper must be a real executable file there.
  for (const s of compiles) assertEquals(s.includes(" --self-extracting "), s.includes("-apple-darwin"), s);
  assert(steps.some((s) => s.startsWith("git archive ") && s.includes(`dist/${SOURCE_ASSET}`)), "no source archive");
  assertEquals(steps.at(-1), ["deno", "run", ...SUMS_FLAGS, "tools/release.ts"].join(" "));
  assertEquals(TARGETS.length, 4);
});

Deno.test("the sums step writes sha256sum's format over every asset, under its own narrow flags", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "looop-release-test-" });
  try {
    await Deno.mkdir(`${cwd}/dist`);
    for (const name of RELEASE_ASSETS) await Deno.writeTextFile(`${cwd}/dist/${name}`, `fake ${name}\n`);
    await Deno.writeTextFile(`${cwd}/dist/looop`, "a host build, not a release asset\n");
    const res = await run(DENO, ["run", ...SUMS_FLAGS, `${ROOT}/tools/release.ts`], cwd);
    assertEquals(res.code, 0, res.stderr);
    const sums = await Deno.readTextFile(`${cwd}/dist/SHA256SUMS`);
    assertEquals(sums.trimEnd().split("\n").map((l) => l.split("  ")[1]), [...RELEASE_ASSETS]);
    assertEquals(res.stdout, sums);
    const check = await run("sha256sum", ["-c", "SHA256SUMS"], `${cwd}/dist`);
    assertEquals(check.code, 0, check.stdout + check.stderr);
    assertEquals(check.stdout.trimEnd().split("\n").length, RELEASE_ASSETS.length);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the sums step refuses in one line when an asset is missing, and writes no SHA256SUMS", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "looop-release-test-" });
  try {
    await Deno.mkdir(`${cwd}/dist`);
    for (const name of RELEASE_ASSETS.filter((n) => n !== "looop-darwin-aarch64")) {
      await Deno.writeTextFile(`${cwd}/dist/${name}`, "x");
    }
    const res = await run(DENO, ["run", ...SUMS_FLAGS, `${ROOT}/tools/release.ts`], cwd);
    assertEquals(res.code, 1);
    assertEquals(res.stderr, "release: dist/looop-darwin-aarch64 is missing — run the whole release task\n");
    assert(!(await Array.fromAsync(Deno.readDir(`${cwd}/dist`))).some((e) => e.name === "SHA256SUMS"));
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("every Worker module and every verb module main.ts loads is embedded by the compile and release builds", async () => {
  // deno compile embeds the static module graph; a Worker's main module and main.ts's verb modules are not in it.
  const workers: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${ROOT}/${dir}`)) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(rel);
      else if (rel.endsWith(".ts")) {
        const text = await Deno.readTextFile(`${ROOT}/${rel}`);
        // A Worker starts in sys/worker.ts (askNarrowedWorker, workerChannel), from the module URL its caller names.
        const start =
          /(?:new Worker|askNarrowedWorker(?:<[^>]*>)?|workerChannel(?:<[^>]*>)?)\(\s*new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g;
        for (const m of text.matchAll(start)) {
          workers.push(new URL(m[1], `file:///${rel}`).pathname.slice(1));
        }
        if (rel === "src/main.ts") {
          for (const m of text.matchAll(/\bload<[^>]*>\(\s*["']([^"']+)["']\s*\)/g)) {
            workers.push(new URL(m[1], `file:///${rel}`).pathname.slice(1));
          }
        }
      }
    }
  };
  await walk("src");
  assertEquals([...new Set(workers)].sort(), [...COMPILE_INCLUDES].sort()); // a module two verbs share is one include
  for (const w of COMPILE_INCLUDES) assert((await Deno.stat(`${ROOT}/${w}`)).isFile, `${w} does not exist`);
  for (const step of [denoJson.tasks.compile as string, ...steps.filter((s) => s.startsWith("deno compile "))]) {
    for (const w of COMPILE_INCLUDES) assert(step.includes(` --include ${w} `), `${step} does not include ${w}`);
  }
});
