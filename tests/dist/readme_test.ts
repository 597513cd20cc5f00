/** README's distribution sections: present, and their commands in step with the code they describe. */
import { assert, assertEquals } from "../assert.ts";
import { ROOT } from "../helpers.ts";
import { PERMISSION_FLAGS } from "../../src/sys/permissions.ts";

const readme = await Deno.readTextFile(`${ROOT}/README.md`);

Deno.test("README keeps its two set-up commands first and has Install, From source, Nix and Releases", () => {
  const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)?.[1];
  assertEquals(
    firstBlock,
    "./deno task looop demo        # run looop: a one-minute offline tour (no LLM or API key needed)\n" +
      "./deno task test              # run the test suite (the longer reliability suite: ./deno task reliability)\n",
  );
  for (const section of ["Install", "From source", "Nix", "Releases"]) {
    assert(readme.includes(`\n## ${section}\n`), `no "## ${section}" section`);
  }
  assert(readme.includes("releases/latest/download/install.sh | sh"), "no install.sh one-liner");
  for (const v of ["LOOOP_VERSION", "LOOOP_INSTALL_DIR", "LOOOP_DOWNLOAD_URL"]) assert(readme.includes(`\`${v}\``), v);
});

Deno.test("README's deno install line uses the one permission set", () => {
  const line = readme.split("\n").find((l) => l.startsWith("deno install --global"));
  assert(line, "no deno install line");
  assertEquals(
    line,
    `deno install --global --force --name looop --config deno.json ${PERMISSION_FLAGS.join(" ")} src/main.ts`,
  );
});

Deno.test("every config key is in README's config block and the manual; every LOOOP_ variable is in the manual", async () => {
  const { ConfigSchema } = await import("../../src/core/config.ts");
  const { ENV_VARS } = await import("../../src/sys/permissions.ts");
  const manual = await Deno.readTextFile(`${ROOT}/src/texts/manual.txt`);
  const block = readme.match(/```jsonc\n([\s\S]*?)```/)?.[1] ?? "";
  for (const key of Object.keys(ConfigSchema.shape)) {
    assert(block.includes(`"${key}":`), `README's config block has no "${key}"`);
    assert(new RegExp(`^  ${key}\\b|[ ,]${key}\\b`, "m").test(manual), `the manual's CONFIG has no ${key}`);
  }
  for (const v of ENV_VARS.filter((v) => v.startsWith("LOOOP_"))) assert(manual.includes(v), `the manual has no ${v}`);
});
