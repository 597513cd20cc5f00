/** The one permission set: deno.json's tasks use exactly src/sys/permissions.ts, and no all-permissions flag exists. */
import { assert, assertEquals } from "./assert.ts";
import { expectedTasks, RELIABILITY_DIR } from "../tools/tasks.ts";
import { compileArgs, TARGETS } from "../tools/release.ts";
import {
  BACKGROUND_DENO_FLAGS,
  BACKGROUND_V8_FLAGS,
  backgroundFlags,
  PERMISSION_FLAGS,
} from "../src/sys/permissions.ts";
import { ROOT } from "./helpers.ts";

Deno.test("deno.json tasks use the one permission list (run ./deno task sync-permissions to fix)", async () => {
  const json = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  for (const [name, cmd] of Object.entries(expectedTasks())) assertEquals(json.tasks[name], cmd, `task ${name}`);
});

Deno.test("the compile task, every release build and the looop task pass the very same flags", async () => {
  const json = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const flags = (cmd: string) =>
    cmd.split(" ").filter((w) =>
      w.startsWith("--allow") || w.startsWith("--unstable") || w.startsWith("--v8-flags") || w === "--no-prompt"
    );
  assertEquals(flags(json.tasks.compile), flags(json.tasks.looop));
  assertEquals(flags(json.tasks.test), [...PERMISSION_FLAGS]);
  assertEquals(flags(json.tasks.reliability), [...PERMISSION_FLAGS]);
  assertEquals(flags(json.tasks.looop), [...PERMISSION_FLAGS]);
  // The release task as written in deno.json, and as tools/release.ts builds each target.
  const releaseCompiles = (json.tasks.release as string).split(" && ").filter((c) => c.startsWith("deno compile "));
  assertEquals(releaseCompiles.length, TARGETS.length);
  for (const cmd of releaseCompiles) assertEquals(flags(cmd), flags(json.tasks.looop), cmd);
  for (const t of TARGETS) assertEquals(flags(compileArgs(t).join(" ")), [...PERMISSION_FLAGS], t.triple);
});

Deno.test("the pulse and the hosts from source: the same permissions, only Deno's and V8's tuning flags added", () => {
  const v8 = (flags: readonly string[]) => flags.filter((f) => f.startsWith("--v8-flags="));
  const rest = (flags: readonly string[]) => flags.filter((f) => !f.startsWith("--v8-flags="));
  assertEquals(rest(backgroundFlags()), [...BACKGROUND_DENO_FLAGS, ...rest(PERMISSION_FLAGS)]);
  assertEquals(v8(backgroundFlags()), [[...v8(PERMISSION_FLAGS), ...BACKGROUND_V8_FLAGS].join(",")]);
  // None of the tuning flags is a permission.
  for (const f of BACKGROUND_DENO_FLAGS) assert(!/^--(allow|deny)-|^-A$|^--no-prompt$/.test(f), f);
});

Deno.test("no all-permissions flag anywhere in the project", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(".") && e.name !== ".ci" && e.name !== ".github") continue;
      if (e.name === "node_modules" || e.name === "dist") continue;
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (/\.(ts|json|sh|md|yml|yaml|nix)$|^run$|^deno$/.test(e.name)) {
        const text = await Deno.readTextFile(p);
        // Built from pieces so this file does not match itself.
        const bad = new RegExp(["(^|\\s)-", "A(\\s|$)|--allow", "-all"].join(""), "m");
        if (bad.test(text)) offenders.push(p);
      }
    }
  };
  await walk(ROOT);
  assert(offenders.length === 0, `found in: ${offenders.join(", ")}`);
});

Deno.test("`deno task test` leaves the reliability suite out; `deno task reliability` runs exactly it", async () => {
  const json = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  assert((json.tasks.test as string).endsWith(` --ignore=${RELIABILITY_DIR}`), json.tasks.test);
  assert((json.tasks.reliability as string).endsWith(` ${RELIABILITY_DIR}`), json.tasks.reliability);
  const suite = [];
  for await (const e of Deno.readDir(`${ROOT}/${RELIABILITY_DIR}`)) if (e.name.endsWith("_test.ts")) suite.push(e.name);
  assert(suite.length > 0, "the reliability suite has tests");
});
