/**
 * .github/workflows/release.yml: valid YAML, run on version tags, builds through the release task
 * (the four `deno compile` targets) with the pinned Deno, uploads every asset and SHA256SUMS with
 * pinned actions. The workflow itself only runs on GitHub.
 */
import { parse } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import { ROOT } from "../helpers.ts";
import { RELEASE_ASSETS, TARGETS } from "../../tools/release.ts";

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = {
  on: { push?: { tags?: string[]; branches?: string[] } };
  permissions?: Record<string, string>;
  jobs: Record<string, { "runs-on": string; steps: Step[] }>;
};

const workflow = parse(await Deno.readTextFile(`${ROOT}/.github/workflows/release.yml`)) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const release = workflow.jobs.release.steps;

Deno.test("the release workflow runs on version tags only", () => {
  assertEquals(Object.keys(workflow.on), ["push"]);
  assertEquals(workflow.on.push, { tags: ["v*"] });
  assertEquals(workflow.permissions, { contents: "write" }, "uploading release assets needs contents: write");
});

Deno.test("the release workflow builds the four targets with the release task and the pinned Deno", async () => {
  const runs = release.map((s) => s.run ?? "").join("\n");
  assert(/^\.\/deno task release$/m.test(runs), "no step runs ./deno task release");
  // ./deno is the repo's shim: it installs deno@2.9.6 from npm on a runner without Deno.
  assert((await Deno.readTextFile(`${ROOT}/deno`)).includes("pin=2.9.6"), "./deno does not pin 2.9.6");
  const task: string = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.release;
  for (const t of TARGETS) {
    assert(task.includes(`deno compile `) && task.includes(` --target ${t.triple} `), `release task lacks ${t.triple}`);
  }
  assert(runs.includes("sha256sum -c SHA256SUMS"), "the workflow does not check the sums before uploading");
});

Deno.test("the release workflow uploads every asset and SHA256SUMS, failing on a missing one", () => {
  const upload = release.find((s) => s.uses?.startsWith("softprops/action-gh-release@"));
  assert(upload, "no upload step");
  const files = String(upload.with?.files).trim().split("\n").map((l) => l.trim());
  for (const name of [...RELEASE_ASSETS, "SHA256SUMS"]) assert(files.includes(`dist/${name}`), `not uploaded: ${name}`);
  assert(files.includes("install.sh"), "install.sh is not uploaded");
  assertEquals(upload.with?.fail_on_unmatched_files, true);
});

Deno.test("every action the workflows use is pinned to an exact version", () => {
  const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []));
  assert(uses.length >= 3, `only ${uses.length} actions`);
  for (const u of uses) assert(/@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(u), `not pinned to vX.Y.Z or a commit: ${u}`);
});
