/** config.json (SPEC §3): JSONC validated by a schema, errors that point at the problem, presets merged. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseConfig, resolveRunner, runnerNames } from "../../src/core/config.ts";
import { LooopError } from "../../src/core/errors.ts";
import { RUNNER_PRESETS, seedConfigText } from "../../src/core/presets.ts";

const FILE = "/data/config.json";

/** The LooopError that parseConfig throws for `text` (fails the test when it does not throw one). */
function configError(text: string): LooopError {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    if (e instanceof LooopError) return e;
    throw new Error(`expected a LooopError, got ${e}`);
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

Deno.test("no file or an empty file gives the defaults", () => {
  for (const text of [undefined, "", "  \n\t"]) {
    const { config, warnings } = parseConfig(text, FILE);
    assertEquals(warnings, []);
    assertEquals(config.default, "pi");
    assertEquals(config.interval, 60);
    assertEquals(config.session_ttl, "3d");
    assertEquals(config.max_workers, 8);
    assertEquals(config.max_body_bytes, 262144);
    assertEquals(config.playbook_keep, 20);
    assertEquals(config.max_daily_usd, undefined);
    assertEquals(config.sandbox, { mode: "auto", allow_net: [], run_shell_net: [], pass_env: [], allow_write: [] });
    assertEquals(config.runners, {});
  }
});

Deno.test("comments and trailing commas are accepted", () => {
  const text = `// my looop
{
  /* the runner */ "default": "claude", // line comment
  "interval": 30,
  "sandbox": { "mode": "off", "allow_net": ["api.github.com",], },
}
`;
  const { config, warnings } = parseConfig(text, FILE);
  assertEquals(warnings, []);
  assertEquals(config.default, "claude");
  assertEquals(config.interval, 30);
  assertEquals(config.sandbox, {
    mode: "off",
    allow_net: ["api.github.com"],
    run_shell_net: [],
    pass_env: [],
    allow_write: [],
  });
  assertEquals(config.max_workers, 8, "keys not given keep their defaults");
});

Deno.test("the seeded config parses with no warnings", () => {
  const { config, warnings } = parseConfig(seedConfigText(), FILE);
  assertEquals(warnings, []);
  assertEquals(config.default, "pi");
  assertEquals(config.interval, 60);
});

Deno.test("malformed JSONC names file:line:column (a missing comma on line 3)", () => {
  const text = '{\n  "default": "pi",\n  "interval": 60 "max_workers": 3\n}\n';
  const e = configError(text);
  // Column 18 of line 3 is where the next key starts without a comma before it.
  assert(e.message.startsWith(`${FILE}:3:18: invalid JSONC`), e.message);
  assertEquals(e.code, 2);
});

Deno.test("malformed JSONC positions count comments (they are blanked, not removed)", () => {
  const text = '// header\n{ /* a\n long */ "a": 1,\n "b": 2 "c": 3\n}\n';
  const e = configError(text);
  assert(e.message.startsWith(`${FILE}:4:9: invalid JSONC`), e.message);
});

Deno.test("a missing comma at the end of a line is reported where the next key starts", () => {
  const text = '{\n  "default": "pi",\n  "interval": 60\n  "max_workers": 3\n}\n';
  const e = configError(text);
  assert(e.message.startsWith(`${FILE}:4:3: invalid JSONC`), e.message);
});

Deno.test("a wrong type names the key path", () => {
  const e = configError('{ "interval": "fast" }');
  assertMatch(e.message, new RegExp(`^${FILE}: interval: .*expected number`));
  assertEquals(e.code, 2);
});

Deno.test("a wrong nested value names the dotted key path and what was expected", () => {
  const e = configError('{ "sandbox": { "mode": "sometimes" } }');
  assertMatch(e.message, new RegExp(`^${FILE}: sandbox\\.mode: `));
  assertMatch(e.message, /auto/);
});

Deno.test("playbook_keep is a whole number from 0 (0 keeps no PLAYBOOK history)", () => {
  assertEquals(parseConfig('{ "playbook_keep": 0 }', FILE).config.playbook_keep, 0);
  for (const bad of ["-1", "2.5", '"20"']) {
    assertMatch(configError(`{ "playbook_keep": ${bad} }`).message, new RegExp(`^${FILE}: playbook_keep: `));
  }
});

Deno.test("a bad duration names session_ttl", () => {
  const e = configError('{ "session_ttl": "soon" }');
  assertMatch(e.message, new RegExp(`^${FILE}: session_ttl: .*duration`));
});

Deno.test("a wrong type inside a runner names runners.<name>.<key>", () => {
  const e = configError('{ "runners": { "pi": { "tick": 5 } } }');
  assertMatch(e.message, new RegExp(`^${FILE}: runners\\.pi\\.tick: `));
});

Deno.test("unknown keys give a warning naming them, and the config still loads", () => {
  const text =
    '{ "foo": 1, "interval": 30, "runners": { "pi": { "foo": 2, "tick": "pi -p" } }, "sandbox": { "bar": 3 } }';
  const { config, warnings } = parseConfig(text, FILE);
  assertEquals(warnings.length, 1);
  assert(warnings[0].startsWith(FILE), warnings[0]);
  for (const key of ["foo", "runners.pi.foo", "sandbox.bar"]) assert(warnings[0].includes(key), warnings[0]);
  assertEquals(config.interval, 30);
  assertEquals(config.runners.pi, { tick: "pi -p" });
  assertEquals(config.sandbox.mode, "auto");
});

Deno.test({
  name: "an unknown key containing a dot is warned about, not a crash",
  fn() {
    for (
      const text of [
        '{ "foo.bar": 1 }',
        '{ "runners": { "my.runner": { "tick": "a", "interactive": "b", "x": 1 } } }',
      ]
    ) {
      const { warnings } = parseConfig(text, FILE);
      assertEquals(warnings.length, 1, text);
    }
  },
});

Deno.test({
  name: "an unknown key named like an Object.prototype member is warned about, not fatal",
  fn() {
    const { warnings } = parseConfig('{ "toString": 1, "constructor": 2 }', FILE);
    assertEquals(warnings.length, 1);
    assert(warnings[0].includes("toString") && warnings[0].includes("constructor"), warnings[0]);
  },
});

Deno.test("a top-level array, string or number is refused", () => {
  for (const text of ["[1, 2]", '"pi"', "42", "null"]) {
    const e = configError(text);
    assertMatch(e.message, new RegExp(`^${FILE}: expected a JSON object at the top level`));
  }
});

Deno.test("resolveRunner merges the user's fields over the preset", () => {
  const { config } = parseConfig('{ "runners": { "pi": { "tick": "pi -p --mode json --model m" } } }', FILE);
  const pi = resolveRunner(config, "pi");
  assert(pi !== undefined);
  assertEquals(pi.name, "pi");
  assertEquals(pi.tick, "pi -p --mode json --model m");
  assertEquals(pi.interactive, RUNNER_PRESETS.pi.interactive);
  assertEquals(pi.resume, RUNNER_PRESETS.pi.resume);
  assertEquals(pi.cost, RUNNER_PRESETS.pi.cost);
});

Deno.test("resolveRunner defaults to config.default and gives the presets untouched", () => {
  const { config } = parseConfig('{ "default": "claude" }', FILE);
  const r = resolveRunner(config);
  assert(r !== undefined);
  assertEquals(r.name, "claude");
  assertEquals(r.tick, RUNNER_PRESETS.claude.tick);
  assertEquals(r.interactive, RUNNER_PRESETS.claude.interactive);
});

Deno.test("resolveRunner: an unknown runner without tick and interactive is undefined; a complete one resolves", () => {
  const { config } = parseConfig(
    '{ "runners": { "half": { "tick": "half -p" }, "mine": { "tick": "mine -p", "interactive": "mine {{prompt_file}}" } } }',
    FILE,
  );
  assertEquals(resolveRunner(config, "nope"), undefined);
  assertEquals(resolveRunner(config, "half"), undefined);
  assertEquals(resolveRunner(config, "mine"), {
    name: "mine",
    tick: "mine -p",
    interactive: "mine {{prompt_file}}",
    resume: undefined,
    cost: undefined,
    state: undefined,
  });
  // A preset names its own state (for its confined decide); a user's field replaces it.
  assertEquals(resolveRunner(config, "claude")?.state, ["~/.claude/", "~/.claude.json"]);
  const own = parseConfig('{ "runners": { "pi": { "state": ["/srv/pi/"] } } }', FILE).config;
  assertEquals(resolveRunner(own, "pi")?.state, ["/srv/pi/"]);
  assertMatch(
    configError('{ "runners": { "pi": { "state": ["rel/dir"] } } }').what,
    /runners\.pi\.state\.0: must be an absolute path/,
  );
});

Deno.test("runnerNames lists the presets and the custom runners", () => {
  const { config } = parseConfig('{ "runners": { "mine": { "tick": "m" } } }', FILE);
  const names = runnerNames(config);
  for (const n of ["pi", "claude", "codex", "opencode", "mine"]) assert(names.includes(n), `${n} in ${names}`);
  assertEquals(new Set(names).size, names.length, "no duplicates");
  assertEquals(runnerNames(parseConfig(undefined, FILE).config).includes("mine"), false);
});
