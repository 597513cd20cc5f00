/**
 * Writes the permission flags of src/sys/permissions.ts into deno.json's tasks, so the one list
 * is used by `looop`, `test`, `reliability`, `bench`, `compile` and the four builds of `release` (tools/release.ts).
 * Run: ./deno task sync-permissions (tests/permissions_test.ts fails when deno.json drifts from the list.)
 */
import { PERMISSION_FLAGS } from "../src/sys/permissions.ts";
import { hostCompileArgs, releaseTask } from "./release.ts";

export const FLAGS = PERMISSION_FLAGS.join(" ");
export const RELIABILITY_DIR = "tests/reliability/";

/**
 * `deno install` fetches every npm package of deno.json into Deno's cache first: src/main.ts loads
 * its verb modules by computed URL, so a run's module graph does not name their packages, and a
 * fresh cache would fetch them mid-test (with "Download …" lines on looop's stderr).
 */
const FETCH = "deno install --quiet &&";

export function expectedTasks(): Record<string, string> {
  return {
    looop: `deno run ${FLAGS} src/main.ts`,
    // The reliability suite (chaos, bad-input corpus, soak) takes minutes: it has a task of its own.
    test: `${FETCH} deno test ${FLAGS} --ignore=${RELIABILITY_DIR}`,
    reliability: `${FETCH} deno test ${FLAGS} ${RELIABILITY_DIR}`,
    bench: `${FETCH} deno run ${FLAGS} bench/main.ts`,
    compile: ["deno", ...hostCompileArgs()].join(" "),
    release: releaseTask(),
  };
}

if (import.meta.main) {
  const path = new URL("../deno.json", import.meta.url);
  const json = JSON.parse(await Deno.readTextFile(path));
  json.tasks = { ...json.tasks, ...expectedTasks() };
  await Deno.writeTextFile(path, JSON.stringify(json, null, 2) + "\n");
  console.log("deno.json tasks updated from src/sys/permissions.ts");
}
