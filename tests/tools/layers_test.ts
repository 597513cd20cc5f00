/**
 * tools/layers_plugin.ts (the `looop/layers` lint rule): the layout's import directions and the OS boundary on small
 * in-memory src/ trees under /repo, run by `Deno.lint.runPlugin`; then the rule over the repo's own src/.
 * Run: ./deno test --no-prompt --allow-read tests/tools/layers_test.ts
 */
import { assert, assertEquals } from "../assert.ts";
import plugin, { layersPlugin } from "../../tools/layers_plugin.ts";

const ROOT = decodeURIComponent(new URL("../..", import.meta.url).pathname).replace(/\/$/, "");

const FIXTURE = layersPlugin("/repo");

/** One line per problem: `<path relative to /repo>:<line>: <message>`, sorted by path and line. */
function lint(files: Record<string, string>, use: Deno.lint.Plugin = FIXTURE, root = "/repo"): string[] {
  const found: { path: string; line: number; text: string }[] = [];
  for (const [rel, source] of Object.entries(files)) {
    if (!/\.[cm]?[jt]sx?$/.test(rel)) continue; // deno lint reads code files only
    for (const d of Deno.lint.runPlugin(use, `${root}/${rel}`, source)) {
      assertEquals(d.id, "looop/layers");
      assert(d.hint?.includes("../shared/STYLE.md") && d.hint.includes("tools/layers_plugin.ts"), d.hint);
      const line = source.slice(0, d.range[0]).split("\n").length;
      found.push({ path: rel, line, text: `${rel}:${line}: ${d.message}` });
    }
  }
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  return found.map((f) => f.text);
}

/** A tree that follows the layout, every part and every import form in its allowed direction. */
const CLEAN: Record<string, string> = {
  "src/core/ids.ts": `export const id = (n: number): string => \`g\${n}\`;\n`,
  "src/core/prompt.ts": `import text from "../texts/prompt.md" with { type: "text" };\nexport const prompt = text;\n`,
  "src/texts/prompt.md": "# Deno.exit is only words here\n",
  "src/texts/index.ts": `import { id } from "../core/ids.ts";\nexport const first = id(1);\n`,
  "src/sys/fs.ts":
    `import { id } from "../core/ids.ts";\nexport const read = (p: string) => Deno.readTextFile(p + id(0));\n`,
  "src/sys/self.ts": `import fs from "node:fs";\nconst MAIN = new URL("../main.ts", import.meta.url);\n` +
    `export const argv = () => [Deno.execPath(), "run", MAIN.pathname, fs];\n`,
  "src/store/goals.ts": `import { read } from "../sys/fs.ts";\nexport const goals = () => read("goals");\n`,
  "src/sensor/run.ts":
    `import { goals } from "../store/goals.ts";\nimport { z } from "zod";\nexport const s = [goals, z];\n`,
  "src/sensor/ts.ts":
    `const w = new Worker(new URL("./ts_worker.ts", import.meta.url), { type: "module" });\nexport { w };\n`,
  "src/sensor/ts_worker.ts": `export {};\n`,
  "src/cost/price.ts": `export type { Id } from "../core/types.ts";\nimport "../sys/fs.ts";\n`,
  "src/core/types.ts": `export type Id = string;\n`,
  "src/pulse/loop.ts":
    `import { s } from "../sensor/run.ts";\nexport const loop = () => import("../cost/price.ts").then(() => s);\n`,
  "src/state/read.ts": `import type { Id } from "../core/types.ts";\nimport { goals } from "../store/goals.ts";\n` +
    `export const read = (id: Id) => [id, goals];\n`,
  "src/cli/program.ts": `import { loop } from "../pulse/loop.ts";\nimport { read } from "../state/read.ts";\n` +
    `import process from "node:process";\nexport const run = () => [loop, read, process, Deno.args];\n`,
  "src/cli/ui/watch.ts": `import { run } from "../program.ts";\nexport const watch = () => [run, Deno.stdout];\n`,
  "src/main.ts": `import { run } from "./cli/program.ts";\nif (import.meta.main) Deno.exit(run().length);\n`,
  // Outside src/ nothing is checked: tests, tools and bench use Deno and reach across parts freely.
  "tests/pulse/loop_test.ts": `import { loop } from "../../src/pulse/loop.ts";\nDeno.test("x", () => loop);\n`,
  "tools/x.ts": `import "../src/store/goals.ts";\nDeno.exit(0);\n`,
};

Deno.test("layers: a tree that follows the layout passes", () => {
  assertEquals(lint(CLEAN), []);
});

Deno.test("layers: a feature importing another feature is flagged, with its line", () => {
  const problems = lint({
    ...CLEAN,
    "src/decider/decide.ts":
      `import { id } from "../core/ids.ts";\nimport { s } from "../sensor/run.ts";\nexport { id, s };\n`,
  });
  assertEquals(problems, ["src/decider/decide.ts:2: decider imports sensor (../sensor/run.ts)"]);
});

Deno.test("layers: store importing pulse is flagged, a type-only import too", () => {
  const problems = lint({
    ...CLEAN,
    "src/store/beat.ts":
      `// the loop's beat\nimport type { loop } from "../pulse/loop.ts";\nexport type L = typeof loop;\n`,
  });
  assertEquals(problems, ["src/store/beat.ts:2: store imports pulse (../pulse/loop.ts)"]);
});

Deno.test("layers: state may not import pulse, texts may import only core, main not pulse", () => {
  const problems = lint({
    ...CLEAN,
    "src/state/bad.ts": `export * from "../pulse/loop.ts";\n`,
    "src/texts/bad.ts": `import "../sys/fs.ts";\n`,
    "src/main.ts": `import { loop } from "./pulse/loop.ts";\nexport { loop };\n`,
  });
  assertEquals(problems, [
    "src/main.ts:1: main imports pulse (./pulse/loop.ts)",
    "src/state/bad.ts:1: state imports pulse (../pulse/loop.ts)",
    "src/texts/bad.ts:1: texts imports sys (../sys/fs.ts)",
  ]);
});

Deno.test("layers: Deno.readTextFile in src/pulse is flagged with its line", () => {
  const problems = lint({
    ...CLEAN,
    "src/pulse/x.ts": `/** Reads the goal. */\nexport async function goal(p: string) {\n` +
      `  return await Deno.readTextFile(p);\n}\n`,
  });
  assertEquals(problems, ["src/pulse/x.ts:3: Deno.readTextFile outside sys/ and cli/"]);
});

Deno.test("layers: types, typeof Deno, values and substitutions count as OS use; property keys do not", () => {
  const problems = lint({
    ...CLEAN,
    "src/supervisor/kill.ts": [
      `export type P = Deno.ChildProcess;`,
      `export const deno = typeof Deno !== "undefined";`,
      'export const name = `inbox-${Deno.pid}-${`${Deno.env?.get("X")}`}`;',
      `export const f = (s: Deno.Signal, t: typeof Deno.errors.NotFound) => [s, t];`,
      `export const o = { Deno: 1, x: { Deno }, [Deno.build.os]: 2 }.Deno;`,
      `export class C { Deno = 1; Deno2() {} }`,
      `export interface I { Deno: string }`,
      `export type Q = import("./kill.ts").Deno;`,
      `export const g = (d: unknown = Deno) => d;`,
    ].join("\n"),
  });
  assertEquals(problems, [
    "src/supervisor/kill.ts:1: Deno.ChildProcess outside sys/ and cli/",
    "src/supervisor/kill.ts:2: Deno outside sys/ and cli/",
    "src/supervisor/kill.ts:3: Deno.pid outside sys/ and cli/",
    "src/supervisor/kill.ts:3: Deno.env.get outside sys/ and cli/",
    "src/supervisor/kill.ts:4: Deno.Signal outside sys/ and cli/",
    "src/supervisor/kill.ts:4: Deno.errors.NotFound outside sys/ and cli/",
    "src/supervisor/kill.ts:5: Deno outside sys/ and cli/",
    "src/supervisor/kill.ts:5: Deno.build.os outside sys/ and cli/",
    "src/supervisor/kill.ts:9: Deno outside sys/ and cli/",
  ]);
});

Deno.test("layers: Deno in comments, strings, template text and regexes is not flagged; in ${…} it is", () => {
  const problems = lint({
    ...CLEAN,
    "src/core/words.ts": [
      `/** Uses Deno.Command — never here; see Deno.exit. */`,
      `// Deno.readTextFile in a line comment`,
      `export const a = "Deno.exit(1)";`,
      `export const b = 'it\\'s Deno.env, not "Deno.pid"';`,
      "export const c = `a template: Deno.Command ${a.length} and Deno.cwd()`;",
      "export const d = `multi-line\n  Deno.exit\n`;",
      `export const e = /Deno\\.exit|["'\`/]/g.test(a) ? a.length / 2 / 1 : 0; // Deno.x`,
      `export const i = { Deno_: 1, deno: "Deno" };`,
      "export const j = `pid ${Deno.pid} of Deno.exit`;",
    ].join("\n"),
  });
  assertEquals(problems, ["src/core/words.ts:11: Deno.pid outside sys/ and cli/"]);
});

Deno.test("layers: a node: import in core is OS access", () => {
  const problems = lint({
    ...CLEAN,
    "src/core/path.ts": `import { join } from "node:path";\nimport fs from "node:fs";\nexport { fs, join };\n` +
      `export const p = () => import("node:process");\n`,
  });
  assertEquals(problems, [
    "src/core/path.ts:1: node:path import outside sys/ and cli/",
    "src/core/path.ts:2: node:fs import outside sys/ and cli/",
    "src/core/path.ts:4: node:process import outside sys/ and cli/",
  ]);
});

Deno.test("layers: a folder or root file not in the layout is flagged, and importing it", () => {
  const problems = lint({
    ...CLEAN,
    "src/foo/a.ts": `export const a = 1;\n`,
    "src/extra.ts": `export {};\n`,
    "src/cli/foo.ts": `import { a } from "../foo/a.ts";\nexport { a };\n`,
  });
  assertEquals(problems, [
    "src/cli/foo.ts:1: cli imports foo (../foo/a.ts)",
    "src/extra.ts:1: src/extra.ts is not in the layout",
    "src/foo/a.ts:1: src/foo/ is not in the layout",
  ]);
});

Deno.test("layers: dynamic imports, export-from, typeof import() and new URL edges are caught", () => {
  const problems = lint({
    ...CLEAN,
    "src/mailbox/ask.ts": [
      `export { goals } from "../store/goals.ts";`,
      `export * from "../executor/run.ts";`,
      `export { s as sensed } from "../sensor/run.ts";`,
      `const m = await import("../decider/decide.ts");`,
      "const n = await import(`../supervisor/host.ts`);",
      `type L = typeof import("../pulse/loop.ts");`,
      `const w = new Worker(new URL("../cli/worker.ts", import.meta.url), { type: "module" });`,
      `const r = import.meta.resolve("../state/read.ts");`,
      `const x = (p: string) => [import(p), new URL(p, import.meta.url)]; // computed: not an edge`,
      `export { m, n, r, w, x }; export type { L };`,
    ].join("\n"),
  });
  assertEquals(problems, [
    "src/mailbox/ask.ts:2: mailbox imports executor (../executor/run.ts)",
    "src/mailbox/ask.ts:3: mailbox imports sensor (../sensor/run.ts)",
    "src/mailbox/ask.ts:4: mailbox imports decider (../decider/decide.ts)",
    "src/mailbox/ask.ts:5: mailbox imports supervisor (../supervisor/host.ts)",
    "src/mailbox/ask.ts:6: mailbox imports pulse (../pulse/loop.ts)",
    "src/mailbox/ask.ts:7: mailbox imports cli (../cli/worker.ts, by new URL)",
    "src/mailbox/ask.ts:8: mailbox imports state (../state/read.ts, by import.meta.resolve)",
  ]);
});

Deno.test("layers: a text import of ../texts/x.md is allowed from every part", () => {
  const files: Record<string, string> = { ...CLEAN, "src/texts/x.md": "hello\n" };
  for (const part of ["core", "sys", "store", "sensor", "cost", "pulse", "state", "cli"]) {
    files[`src/${part}/text.ts`] = `import x from "../texts/x.md" with { type: "text" };\nexport default x;\n`;
  }
  files["src/main.ts"] = `import x from "./texts/x.md" with { type: "text" };\nexport default x;\n`;
  assertEquals(lint(files), []);
});

Deno.test("layers: sys may locate main.ts by new URL (sys/self.ts), not import it; nobody else may", () => {
  assertEquals(lint({ "src/sys/self.ts": CLEAN["src/sys/self.ts"] }), []);
  const problems = lint({
    ...CLEAN,
    "src/sys/boot.ts": `import "../main.ts";\nexport const m = () => import("../main.ts");\n`,
    "src/store/self.ts": `export const MAIN = new URL("../main.ts", import.meta.url);\n`,
  });
  assertEquals(problems, [
    "src/store/self.ts:1: store imports main (../main.ts, by new URL)",
    "src/sys/boot.ts:1: sys imports main (../main.ts)",
    "src/sys/boot.ts:2: sys imports main (../main.ts)",
  ]);
});

Deno.test("layers: an import that leaves src/ is flagged", () => {
  const problems = lint({ ...CLEAN, "src/store/v.ts": `import v from "../../deno.json" with { type: "json" };\n` });
  assertEquals(problems, ["src/store/v.ts:1: store reaches outside src/ (../../deno.json)"]);
});

Deno.test("layers: a test file under src/ is not checked", () => {
  const problems = lint({
    ...CLEAN,
    "src/pulse/loop_test.ts": `import { goals } from "../store/goals.ts";\nimport "../cli/program.ts";\n` +
      `Deno.test("x", () => { goals(); Deno.exit(1); });\n`,
    "src/foo/a.test.ts": `export {};\n`,
  });
  assertEquals(problems, []);
});

// ---------------------------------------------------------------------------------------------------------------

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await tsFiles(path));
    else if (e.isFile && /\.ts$/.test(e.name)) out.push(path);
  }
  return out.sort();
}

Deno.test("layers: the plugin deno lint loads checks this repo's src/ and nothing else", () => {
  const probe = `export const p = Deno.pid;\n`;
  assertEquals(lint({ "src/pulse/zz_probe.ts": probe }, plugin, ROOT), [
    "src/pulse/zz_probe.ts:1: Deno.pid outside sys/ and cli/",
  ]);
  assertEquals(lint({ "tests/pulse/zz_probe.ts": probe }, plugin, ROOT), []);
});

Deno.test("layers: the real src/ has no import against the layout and no Deno outside sys/ and cli/", async () => {
  const started = performance.now();
  const files = (await tsFiles(`${ROOT}/src`)).map((path) => path.slice(ROOT.length + 1));
  const sources: Record<string, string> = {};
  for (const rel of files) sources[rel] = await Deno.readTextFile(`${ROOT}/${rel}`);
  const problems = lint(sources, plugin, ROOT);
  const ms = Math.round(performance.now() - started);
  console.log(`layers: ${files.length} files, ${problems.length} problems (${ms} ms)`);
  assert(files.length > 50, `only ${files.length} files`);
  assertEquals(problems, []);
});

Deno.test("the pulse and the CLI reach workers only through the worker backend (supervisor/backend.ts)", async () => {
  const offenders: string[] = [];
  for (const dir of ["pulse", "cli", "cli/ui", "state"]) {
    for await (const e of Deno.readDir(`${ROOT}/src/${dir}`)) {
      if (!e.isFile || !e.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(`${ROOT}/src/${dir}/${e.name}`);
      for (const m of text.matchAll(/from "(?:\.\.\/)+supervisor\/([a-z_]+)\.ts"/g)) {
        // `_ host` is the session host itself (cli/host.ts); watch names the screen type the backend hands it.
        const allowed = ["backend", "screen"].includes(m[1]) ||
          (dir === "cli" && e.name === "host.ts" && m[1] === "host");
        if (!allowed) offenders.push(`src/${dir}/${e.name} imports supervisor/${m[1]}.ts`);
      }
    }
  }
  assertEquals(offenders, []);
});
