/**
 * install.sh (SPEC §11), run by `sh` and `dash` against a real loopback server (serve_files.ts)
 * that serves fake release assets: a shell script standing in for the binary, SHA256SUMS computed
 * here, and a source archive for the Deno fallback.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { assertOneLineError, DENO, ROOT, type Run } from "../helpers.ts";
import { PERMISSION_FLAGS } from "../../src/sys/permissions.ts";
import { sha256Hex } from "../../tools/release.ts";

const INSTALL_SH = `${ROOT}/install.sh`;
const SERVER = `${ROOT}/tests/dist/serve_files.ts`;
const SYSTEM_PATH = "/usr/bin:/bin";
const TIMEOUT_MS = 60_000;
const fakeBinary = (label: string) => `#!/bin/sh\necho "${label}"\n`;
const LINUX_X86 = fakeBinary("looop 9.9.9");

function onPath(name: string, path = SYSTEM_PATH): string | undefined {
  for (const dir of path.split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** `sh`, and `dash` too where it is installed (`sh` may be dash itself; both are run as named). */
const SHELLS = ["sh", "dash"].filter((s) => onPath(s));

type Release = { url: string; base: string; home: string; installDir: string; assets: string };

/**
 * Serve `files` (plus a SHA256SUMS of them unless `sums` is given) on a loopback server for `fn`;
 * the server and the temp dir are gone afterwards, whatever happens.
 */
async function withRelease(
  files: Record<string, string | Uint8Array>,
  fn: (r: Release) => Promise<void>,
  sums?: string,
): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "looop-install-test-" });
  const assets = `${base}/assets`;
  await Deno.mkdir(assets);
  await Deno.mkdir(`${base}/home`);
  const lines: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    await Deno.writeFile(`${assets}/${name}`, bytes);
    lines.push(`${await sha256Hex(bytes)}  ${name}`);
  }
  await Deno.writeTextFile(`${assets}/SHA256SUMS`, sums ?? lines.join("\n") + "\n");
  const server = new Deno.Command(DENO, {
    args: ["run", "--no-prompt", "--allow-net=127.0.0.1", `--allow-read=${assets}`, SERVER, assets],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const url = await firstLine(server.stdout);
    assertMatch(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await fn({ url, base, home: `${base}/home`, installDir: `${base}/bin`, assets });
  } finally {
    try {
      server.kill("SIGTERM");
    } catch { /* already gone */ }
    await server.status;
    await server.stdout.cancel().catch(() => {});
    await Deno.remove(base, { recursive: true });
  }
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  const deadline = setTimeout(() => reader.cancel(), TIMEOUT_MS);
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the server ended before printing its URL (got ${JSON.stringify(text)})`);
      text += new TextDecoder().decode(value);
    }
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
  return text.split("\n")[0];
}

async function run(cmd: string, args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  const child = new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Run install.sh as a user would, with PATH not containing the install dir unless `env` says so. */
function install(shell: string, r: Release, env: Record<string, string> = {}, args: string[] = []): Promise<Run> {
  return run(shell, [INSTALL_SH, ...args], {
    PATH: SYSTEM_PATH,
    HOME: r.home,
    LOOOP_DOWNLOAD_URL: r.url,
    LOOOP_INSTALL_DIR: r.installDir,
    LOOOP_OS: "Linux",
    LOOOP_ARCH: "x86_64",
    ...env,
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

const detail = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

// ---- binaries -------------------------------------------------------------------------------------

Deno.test("install.sh installs the verified binary, which runs, and says how to put the dir on PATH", async () => {
  for (const shell of SHELLS) {
    await withRelease({ "looop-linux-x86_64": LINUX_X86 }, async (r) => {
      const res = await install(shell, r);
      assertEquals(res.code, 0, `${shell}: ${detail(res)}`);
      assertEquals(res.stderr, "", shell);
      const dest = `${r.installDir}/looop`;
      assertEquals(((await Deno.stat(dest)).mode ?? 0) & 0o777, 0o755, shell);
      const ran = await run(dest, ["version"], { PATH: SYSTEM_PATH });
      assertEquals(ran, { code: 0, stdout: "looop 9.9.9\n", stderr: "" }, shell);
      assertMatch(res.stdout, /installed looop 9\.9\.9 as .*\/bin\/looop \(checksum verified\)/);
      assert(res.stdout.includes(`${r.installDir} is not on your PATH`), `${shell}: ${detail(res)}`);
      assert(res.stdout.includes(`  export PATH="${r.installDir}:$PATH"\n`), `${shell}: ${detail(res)}`);
      assertEquals((await Array.fromAsync(Deno.readDir(r.installDir))).map((e) => e.name), ["looop"], shell);
    });
  }
});

Deno.test("install.sh piped into sh (curl ... | sh) installs the same way", async () => {
  // The fake binary reads its stdin: under `curl | sh` that is the rest of the script.
  const greedy = `#!/bin/sh\ncat >/dev/null\necho "looop 9.9.9"\n`;
  await withRelease({ "looop-linux-x86_64": greedy }, async (r) => {
    const env = {
      PATH: SYSTEM_PATH,
      HOME: r.home,
      LOOOP_DOWNLOAD_URL: r.url,
      LOOOP_INSTALL_DIR: r.installDir,
      LOOOP_OS: "Linux",
      LOOOP_ARCH: "x86_64",
    };
    const res = await run("sh", ["-s"], env, await Deno.readTextFile(INSTALL_SH));
    assertEquals(res.code, 0, detail(res));
    assert(res.stdout.includes("installed looop 9.9.9 as"), detail(res));
    assert(res.stdout.includes(`export PATH="${r.installDir}:$PATH"`), detail(res));
    assertEquals(await Deno.readTextFile(`${r.installDir}/looop`), greedy);
  });
});

Deno.test("install.sh gives no PATH advice when the install dir is on PATH, and replaces an older looop", async () => {
  await withRelease({ "looop-linux-x86_64": LINUX_X86 }, async (r) => {
    await Deno.mkdir(r.installDir);
    await Deno.writeTextFile(`${r.installDir}/looop`, fakeBinary("looop 0.0.1"));
    const res = await install("sh", r, { PATH: `${r.installDir}:${SYSTEM_PATH}` });
    assertEquals(res.code, 0, detail(res));
    assert(!res.stdout.includes("not on your PATH"), detail(res));
    assertEquals(await Deno.readTextFile(`${r.installDir}/looop`), LINUX_X86);
  });
});

Deno.test("install.sh maps uname's names to the asset names (Darwin/arm64, amd64)", async () => {
  const files = {
    "looop-darwin-aarch64": fakeBinary("looop 9.9.9 darwin-aarch64"),
    "looop-linux-x86_64": LINUX_X86,
  };
  await withRelease(files, async (r) => {
    let res = await install("sh", r, { LOOOP_OS: "Darwin", LOOOP_ARCH: "arm64" });
    assertEquals(res.code, 0, detail(res));
    assertEquals(await Deno.readTextFile(`${r.installDir}/looop`), files["looop-darwin-aarch64"]);
    res = await install("sh", r, { LOOOP_OS: "Linux", LOOOP_ARCH: "amd64" });
    assertEquals(res.code, 0, detail(res));
    assertEquals(await Deno.readTextFile(`${r.installDir}/looop`), LINUX_X86);
  });
});

Deno.test("install.sh refuses a wrong checksum with one line and installs nothing", async () => {
  const wrong = `${"0".repeat(64)}  looop-linux-x86_64\n`;
  for (const shell of SHELLS) {
    await withRelease({ "looop-linux-x86_64": LINUX_X86 }, async (r) => {
      const res = await install(shell, r);
      assertOneLineError(res, 1, /^looop: checksum mismatch for looop-linux-x86_64 .* refusing to install/);
      assert(!(await exists(r.installDir)), `${shell} created ${r.installDir}`);

      // An existing looop is left exactly as it was.
      await Deno.mkdir(r.installDir);
      await Deno.writeTextFile(`${r.installDir}/looop`, fakeBinary("looop 0.0.1"));
      assertOneLineError(await install(shell, r), 1, /checksum mismatch/);
      assertEquals(await Deno.readTextFile(`${r.installDir}/looop`), fakeBinary("looop 0.0.1"));
      assertEquals((await Array.fromAsync(Deno.readDir(r.installDir))).map((e) => e.name), ["looop"]);
    }, wrong);
  }
});

Deno.test("install.sh refuses when SHA256SUMS lacks the asset or is missing", async () => {
  await withRelease({ "looop-linux-x86_64": LINUX_X86 }, async (r) => {
    assertOneLineError(await install("sh", r), 1, /SHA256SUMS at .* has no entry for looop-linux-x86_64/);
    await Deno.remove(`${r.assets}/SHA256SUMS`);
    assertOneLineError(await install("sh", r), 1, /no SHA256SUMS at http:\/\/127\.0\.0\.1:\d+ — /);
    assert(!(await exists(r.installDir)));
  }, `${"a".repeat(64)}  looop-darwin-x86_64\n`);
});

Deno.test("install.sh reports an unreachable download server in one line", async () => {
  await withRelease({}, async (r) => {
    const res = await install("sh", { ...r, url: "http://127.0.0.1:9" });
    assertOneLineError(res, 1, /could not download http:\/\/127\.0\.0\.1:9\/looop-linux-x86_64/);
    assert(!(await exists(r.installDir)));
  });
});

Deno.test("install.sh puts LOOOP_VERSION in the default download URL (--dry-run changes nothing)", async () => {
  const home = await Deno.makeTempDir({ prefix: "looop-install-test-" });
  try {
    const dry = (env: Record<string, string>) =>
      run("sh", [INSTALL_SH, "--dry-run"], {
        PATH: SYSTEM_PATH,
        HOME: home,
        LOOOP_OS: "Linux",
        LOOOP_ARCH: "x86_64",
        ...env,
      });
    for (const version of ["1.2.3", "v1.2.3"]) {
      const res = await dry({ LOOOP_VERSION: version });
      assertEquals(res.code, 0, detail(res));
      assert(
        res.stdout.includes("https://github.com/looop/looop/releases/download/v1.2.3/looop-linux-x86_64"),
        detail(res),
      );
      assert(res.stdout.includes("https://github.com/looop/looop/releases/download/v1.2.3/SHA256SUMS"), detail(res));
      assert(res.stdout.includes(`install to ${home}/.local/bin/looop`), detail(res));
    }
    const latest = await dry({});
    assert(latest.stdout.includes("https://github.com/looop/looop/releases/latest/download/looop-linux-x86_64"));
    assertEquals(await Array.fromAsync(Deno.readDir(home)), [], "a dry run wrote to HOME");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

// Without wget on this machine there is nothing to run: the curl path is covered above.
Deno.test(
  { name: "install.sh downloads with wget when curl is absent, 404 included", ignore: !onPath("wget") },
  async () => {
    const tools = [
      "sh",
      "wget",
      "mktemp",
      "rm",
      "sed",
      "awk",
      "cut",
      "tr",
      "sha256sum",
      "grep",
      "mkdir",
      "cp",
      "chmod",
      "mv",
      "head",
      "dirname",
      "tar",
      "gzip",
      "cat",
    ];
    await withRelease({ "looop-linux-x86_64": LINUX_X86 }, async (r) => {
      const bin = `${r.base}/tools`;
      await Deno.mkdir(bin);
      for (const t of tools) {
        const at = onPath(t);
        assert(at, `${t} is not installed`);
        await Deno.symlink(at, `${bin}/${t}`);
      }
      const res = await install("sh", r, { PATH: bin });
      assertEquals(res.code, 0, detail(res));
      assertEquals(await Deno.readTextFile(`${r.installDir}/looop`), LINUX_X86);
      // No binary for this platform (404) and no Deno: the fallback explains itself.
      const missing = await install("sh", r, { PATH: bin, LOOOP_OS: "Darwin" });
      assertOneLineError(
        missing,
        1,
        /no prebuilt looop for darwin\/x86_64 in release latest .*not found.* Deno is not on PATH/,
      );
    });
  },
);

// ---- the Deno source fallback ---------------------------------------------------------------------

/** A release source archive like the release task's `git archive`: looop/deno.json + looop/src/main.ts. */
async function sourceArchive(base: string): Promise<Uint8Array> {
  const tree = `${base}/src-tree`;
  await Deno.mkdir(`${tree}/looop/src`, { recursive: true });
  const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  await Deno.writeTextFile(
    `${tree}/looop/deno.json`,
    JSON.stringify({ tasks: { looop: denoJson.tasks.looop } }, null, 2) + "\n",
  );
  await Deno.writeTextFile(`${tree}/looop/src/main.ts`, `console.log("looop-src 9.9.9", ...Deno.args);\n`);
  const out = `${base}/looop-src.tar.gz`;
  const res = await run("tar", ["-czf", out, "-C", tree, "looop"], { PATH: SYSTEM_PATH });
  assertEquals(res.code, 0, detail(res));
  return await Deno.readFile(out);
}

const DENO_DIR = DENO.replace(/\/[^/]+$/, "");

Deno.test("install.sh on an unknown platform without Deno explains how to install from source", async () => {
  for (const shell of SHELLS) {
    await withRelease({ "looop-linux-x86_64": LINUX_X86 }, async (r) => {
      const res = await install(shell, r, { LOOOP_OS: "plan9", LOOOP_ARCH: "mips" });
      assertOneLineError(
        res,
        1,
        /^looop: no prebuilt looop for plan9\/mips and Deno is not on PATH — install Deno 2\.9\+/,
      );
      assert(!(await exists(r.installDir)));
    });
  }
});

Deno.test("install.sh on an unknown platform with Deno installs the release's verified source", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "looop-install-src-" });
  try {
    const archive = await sourceArchive(scratch);
    await withRelease({ "looop-src.tar.gz": archive }, async (r) => {
      const srcDir = `${r.base}/share/looop/src`;
      const res = await install("sh", r, {
        PATH: `${DENO_DIR}:${SYSTEM_PATH}`,
        LOOOP_OS: "plan9",
        LOOOP_SRC_DIR: srcDir,
      });
      assertEquals(res.code, 0, detail(res));
      assert(res.stdout.includes("no prebuilt looop for plan9/x86_64; installing from source with"), detail(res));
      assert(res.stdout.includes(`${r.installDir} is not on your PATH`), detail(res));
      const launcher = await Deno.readTextFile(`${r.installDir}/looop`);
      // The launcher runs the sources under the flags of that release's `looop` task: the one set.
      assert(
        launcher.includes(` run --quiet ${PERMISSION_FLAGS.join(" ")} "${srcDir}/src/main.ts" "$@"\n`),
        launcher,
      );
      const ran = await run(`${r.installDir}/looop`, ["a", "b"], { PATH: SYSTEM_PATH, HOME: r.home });
      assertEquals(ran, { code: 0, stdout: "looop-src 9.9.9 a b\n", stderr: "" });

      // Re-running replaces the earlier source install in place.
      const again = await install("sh", r, {
        PATH: `${DENO_DIR}:${SYSTEM_PATH}`,
        LOOOP_OS: "plan9",
        LOOOP_SRC_DIR: srcDir,
      });
      assertEquals(again.code, 0, detail(again));
      // A directory the installer did not make is never replaced.
      const foreign = `${r.base}/mine`;
      await Deno.mkdir(foreign);
      const refused = await install("sh", r, {
        PATH: `${DENO_DIR}:${SYSTEM_PATH}`,
        LOOOP_OS: "plan9",
        LOOOP_SRC_DIR: foreign,
      });
      assertOneLineError(refused, 1, /mine exists and was not made by this installer/);
      assertEquals(await Array.fromAsync(Deno.readDir(foreign)), []);
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("install.sh falls back to the source when the release has no binary for this platform (404)", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "looop-install-src-" });
  try {
    const archive = await sourceArchive(scratch);
    await withRelease({ "looop-src.tar.gz": archive, "looop-linux-x86_64": LINUX_X86 }, async (r) => {
      const res = await install("sh", r, {
        PATH: `${DENO_DIR}:${SYSTEM_PATH}`,
        LOOOP_OS: "Darwin",
        LOOOP_SRC_DIR: `${r.base}/src`,
      });
      assertEquals(res.code, 0, detail(res));
      assert(res.stdout.includes("no prebuilt looop for darwin/x86_64 in release latest"), detail(res));
      const ran = await run(`${r.installDir}/looop`, ["version"], { PATH: SYSTEM_PATH, HOME: r.home });
      assertEquals(ran.stdout, "looop-src 9.9.9 version\n", detail(ran));
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("install.sh refuses a source archive with a wrong checksum, and a Deno older than 2.9", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "looop-install-src-" });
  try {
    const archive = await sourceArchive(scratch);
    const wrong = `${"f".repeat(64)}  looop-src.tar.gz\n`;
    await withRelease({ "looop-src.tar.gz": archive }, async (r) => {
      const env = { PATH: `${DENO_DIR}:${SYSTEM_PATH}`, LOOOP_OS: "plan9", LOOOP_SRC_DIR: `${r.base}/src` };
      assertOneLineError(await install("sh", r, env), 1, /checksum mismatch for looop-src\.tar\.gz/);
      assert(!(await exists(r.installDir)) && !(await exists(`${r.base}/src`)), "something was installed");

      const oldDeno = `${r.base}/old-deno`;
      await Deno.mkdir(oldDeno);
      await Deno.writeTextFile(
        `${oldDeno}/deno`,
        "#!/bin/sh\necho 'deno 1.46.3 (stable, release, x86_64-unknown-linux-gnu)'\n",
      );
      await Deno.chmod(`${oldDeno}/deno`, 0o755);
      const old = await install("sh", r, { ...env, PATH: `${oldDeno}:${SYSTEM_PATH}` });
      assertOneLineError(old, 1, /\(.*old-deno\/deno, 1\.46\) is older than 2\.9 — run `deno upgrade`/);
    }, wrong);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
