/** The HUMAN surface (SPEC §4): version, --help, the manual, shell completion, `_ ids`, and colour. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { looop, LOOOP_ARGV, looopOnPath, seed, withDataDir } from "../helpers.ts";

type Env = Record<string, string>;

const which = (cmd: string) =>
  new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null", stderr: "null" }).outputSync().success;

/** Run a program with `stdin` and a clean environment. */
async function run(cmd: string, args: string[], opts: { env?: Env; stdin?: string } = {}) {
  const child = new Deno.Command(cmd, {
    args,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/", ...opts.env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  if (opts.stdin) await w.write(new TextEncoder().encode(opts.stdin));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The verbs a help page lists under "Commands:". */
const commandsOf = (help: string) => [...help.split("Commands:")[1].matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);

Deno.test("looop version [--json], -V and --help are short and exit 0", async () => {
  await withDataDir(async ({ env }) => {
    const v = await looop(["version"], { env });
    assertEquals(v.code, 0, v.stderr);
    assertMatch(v.stdout, /^looop \d+\.\d+\.\d+\S*\n$/);
    const version = v.stdout.trim().split(" ")[1];
    const j = await looop(["version", "--json"], { env });
    assertEquals(JSON.parse(j.stdout), { version, deno: JSON.parse(j.stdout).deno });
    assertMatch(JSON.parse(j.stdout).deno, /^2\.\d+\.\d+/);
    assertEquals((await looop(["-V"], { env })).stdout, `${version}\n`);

    const h = await looop(["--help"], { env });
    assertEquals([h.code, h.stderr], [0, ""]);
    assertMatch(h.stdout, /^Usage: looop /);
    assert(h.stdout.split("\n").length < 40, "--help is short usage, not the manual");
    assert(!h.stdout.includes("EXIT CODES"));
    for (const verb of ["version", "help", "cost", "config", "_"]) assert(commandsOf(h.stdout).includes(verb), verb);

    const u = await looop(["_", "--help"], { env });
    assertEquals(u.code, 0, u.stderr);
    for (const verb of ["state", "wait", "asks", "answer", "goal", "sensor", "playbook", "sessions", "ask", "claim"]) {
      assert(commandsOf(u.stdout).includes(verb), `_ --help lists ${verb}`);
    }
    const g = await looop(["_", "goal", "write", "--help"], { env });
    assertEquals(g.code, 0, g.stderr);
    assertMatch(g.stdout, /--journal <text>/);
  });
});

Deno.test("looop help prints the manual with its sections, exit codes and every verb", async () => {
  await withDataDir(async ({ env }) => {
    const m = await looop(["help"], { env });
    assertEquals([m.code, m.stderr], [0, ""]);
    for (const section of ["DESIGN", "MOVES", "WORKER", "FILES", "CONFIG", "ENVIRONMENT", "EXIT CODES"]) {
      assertMatch(m.stdout, new RegExp(`^${section}\\b`, "m"), `section ${section}`);
    }
    for (const code of ["0 ok", "1 refused", "2 usage", "3 refused by a gate", "75", "124", "127", "130/143"]) {
      assert(m.stdout.includes(code), `exit code ${code}`);
    }
    for (const v of ["LOOOP_DATA_DIR", "LOOOP_CONFIG", "LOOOP_SESSION_ID", "NO_COLOR"]) assert(m.stdout.includes(v), v);
    // Every verb the program has is in the manual.
    const top = commandsOf((await looop(["--help"], { env })).stdout).filter((v) => v !== "_");
    const under = commandsOf((await looop(["_", "--help"], { env })).stdout);
    for (const verb of top) {
      assertMatch(m.stdout, new RegExp(`(looop|\\|) ${verb}\\b`), `the manual describes 'looop ${verb}'`);
    }
    for (const verb of under) assert(m.stdout.includes(`_ ${verb}`), `the manual describes '_ ${verb}'`);
  });
});

Deno.test("looop config bash is valid bash; looop config zsh is a zsh completion", async () => {
  await withDataDir(async ({ env }) => {
    const b = await looop(["config", "bash"], { env });
    assertEquals(b.code, 0, b.stderr);
    assertMatch(b.stdout, /complete -F _looop_complete looop/);
    const check = await run("bash", ["-n", "/dev/stdin"], { stdin: b.stdout });
    assertEquals(check.code, 0, check.stderr);

    const z = await looop(["config", "zsh"], { env });
    assertEquals(z.code, 0, z.stderr);
    assertMatch(z.stdout, /^#compdef looop\n/);
    assertMatch(z.stdout, /compdef _looop looop/);
    assertMatch(z.stdout, /looop _ ids goals/);
  });
});

Deno.test({
  name: "looop config zsh passes zsh -n",
  ignore: !which("zsh"),
  fn: async () => {
    await withDataDir(async ({ env }) => {
      const z = await looop(["config", "zsh"], { env });
      const check = await run("zsh", ["-n", "/dev/stdin"], { stdin: z.stdout });
      assertEquals(check.code, 0, check.stderr);
    });
  },
});

Deno.test("_ ids lists live goals, pending asks, sessions and sensors, one per line", async () => {
  await withDataDir(async ({ dir, env }) => {
    await seed(env);
    assertEquals((await looop(["_", "goal", "write", "alpha", "a"], { env })).code, 0);
    assertEquals((await looop(["_", "sensor", "write", "beta", "echo {}"], { env })).code, 0);
    assertEquals((await looop(["_", "ask", "w1", "--prompt", "q1", "--timeout", "0"], { env })).code, 124);
    assertEquals((await looop(["_", "ask", "w1", "--prompt", "q2", "--timeout", "0"], { env })).code, 124);
    assertEquals((await looop(["_", "answer", "w1-1", "done"], { env })).code, 0);
    await Deno.mkdir(`${dir}/sessions/w7`);
    const ids = async (kind: string) => {
      const r = await looop(["_", "ids", kind], { env });
      assertEquals([r.code, r.stderr], [0, ""], kind);
      return r.stdout;
    };
    assertEquals(await ids("goals"), "alpha\nplaybook-daily\nsetup\n");
    assertEquals(await ids("asks"), "w1-2\n", "pending asks only");
    assertEquals(await ids("all-asks"), "w1-1\nw1-2\n");
    assertEquals(await ids("sessions"), "w7\n");
    assertEquals(await ids("sensors"), "beta\ntoday\n");
  });
});

Deno.test("bash completion offers verbs, fixed words and the live goal ids from `looop` on PATH", async () => {
  await withDataDir(async ({ base, env }) => {
    await seed(env);
    assertEquals((await looop(["_", "goal", "write", "alpha", "a"], { env })).code, 0);
    assertEquals((await looop(["_", "goal", "write", "another", "b"], { env })).code, 0);
    const bin = await looopOnPath(base);
    const script = (await looop(["config", "bash"], { env })).stdout;
    await Deno.writeTextFile(`${base}/completion.bash`, script);
    // Each case: the words typed so far (the last one being completed) → COMPREPLY, one per line.
    const complete = async (...words: string[]) => {
      const arr = words.map((w) => `'${w}'`).join(" ");
      const sh = `source '${base}/completion.bash'
COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _looop_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await run("bash", ["-c", sh], {
        env: { ...env, PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` },
      });
      assertEquals(r.code, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).sort();
    };
    assertEquals(await complete("looop", "_", "goal", "archive", ""), ["alpha", "another", "playbook-daily", "setup"]);
    assertEquals(await complete("looop", "_", "goal", "archive", "a"), ["alpha", "another"]);
    assertEquals(await complete("looop", "_", "goal", "write", "pl"), ["playbook-daily"]);
    assertEquals((await looop(["_", "ask", "w1", "--prompt", "q", "--timeout", "0"], { env })).code, 124);
    assertEquals(await complete("looop", "_", "answer", "--force", ""), ["w1-1"], "flags are skipped");
    assertEquals(await complete("looop", "_", "go"), ["goal"]);
    assertEquals(await complete("looop", "cost", ""), ["all", "today"]);
    assertEquals(await complete("looop", "config", "z"), ["zsh"]);
    assert((await complete("looop", "")).includes("_"));
  });
});

/** Quote for sh. */
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

Deno.test({
  name: "with NO_COLOR set, no output has escape codes, even on a terminal",
  ignore: Deno.build.os !== "linux" || !which("script"),
  fn: async () => {
    await withDataDir(async ({ env }) => {
      await seed(env);
      assertEquals((await looop(["_", "cost", "session", "w1", "pi", "0.5"], { env })).code, 0);
      assertEquals((await looop(["_", "ask", "w1", "--prompt", "q", "--timeout", "0"], { env })).code, 124);
      const looopCmd = LOOOP_ARGV.map(q).join(" ");
      const verbs = [
        "_ state",
        "_ asks",
        "_ sessions",
        "cost all",
        "cost --json",
        "--help",
        "help",
        "version",
        "_ wait --timeout 0",
        "bogus",
        "_ goal write ../x y",
      ];
      const line = verbs.map((v) => `${looopCmd} ${v}`).join("; ");
      // `script` runs the commands on a pseudo-terminal, where colour would be allowed.
      const onTty = (extra: Env) => run("script", ["-qec", line, "/dev/null"], { env: { ...env, ...extra } });
      const { NO_COLOR: _, ...colourEnv } = env;

      const plain = await onTty({});
      assertMatch(plain.stdout, /pulse\s+down/);
      assertMatch(plain.stdout, /DESIGN/);
      assertMatch(plain.stdout, /looop: unknown command 'bogus'/);
      assert(
        !plain.stdout.includes("\x1b"),
        `escape codes with NO_COLOR: ${JSON.stringify(plain.stdout.slice(0, 200))}`,
      );

      // The control: the same terminal without NO_COLOR does get colour, so the check above can fail.
      const coloured = await run("script", ["-qec", `${looopCmd} _ state`, "/dev/null"], { env: colourEnv });
      assert(coloured.stdout.includes("\x1b["), "colour on a terminal without NO_COLOR");
      // And off a terminal there is no colour even without NO_COLOR.
      const piped = await looop(["_", "state"], { env: colourEnv });
      assert(!piped.stdout.includes("\x1b"));
    });
  },
});
