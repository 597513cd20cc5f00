/**
 * The confined decide (SPEC §10, sandbox.decide_net): the runner runs inside the OS sandbox,
 * writing only its run dir (and its own state), reaching only the hosts listed. Shown with a real
 * script as the runner that tries to write outside and still answers with a move; without
 * decide_net the same write lands, so the test can tell the two apart.
 */
import { assert, assertEquals } from "../assert.ts";
import { onPath } from "../../src/sys/process.ts";
import { FIXTURES, withLab } from "../pulse/helpers.ts";
import { startServer, unique } from "./helpers.ts";

const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);

/** A runner that tries to write `$ESCAPE` and `$PWD/inside`, asks `$PROBE_URL`, then answers as pi does. */
const RUNNER = `#!/bin/bash
touch "$ESCAPE" 2>/dev/null
echo in > inside
curl -s --max-time 5 "$PROBE_URL" > reached 2>/dev/null
exec ${FIXTURES}/fake-pi
`;

Deno.test({
  name: "sandbox.decide_net: the decide's runner writes only its run dir and reaches only the listed hosts",
  ignore: Deno.build.os !== "linux" || !onPath("bwrap") || !onPath("curl"),
  fn: async () => {
    const listed = startServer();
    const other = startServer();
    try {
      await withLab({ env: { LOOOP_INTERVAL: "3600" } }, async (lab) => {
        const script = `${lab.base}/runner.sh`;
        await Deno.writeTextFile(script, RUNNER);
        await Deno.chmod(script, 0o755);
        const run = async (sandbox: Record<string, unknown>, probe: string) => {
          const escape = `${lab.base}/escaped-${unique()}`;
          await lab.configure({ sandbox, runners: { runner: { interactive: "true" } } }, script, "runner");
          const b = await lab.beatExpect(0, "moved", { ESCAPE: escape, PROBE_URL: probe, LOOOP_INTERVAL: "3600" });
          await lab.touchGoal("nudge", unique()); // the next beat decides again
          const runs = [...Deno.readDirSync(`${lab.dir}/runs`)].map((e) => e.name).sort();
          const cwd = `${lab.dir}/runs/${runs.at(-1)}/cwd`;
          const reached = await Deno.readTextFile(`${cwd}/reached`).catch(() => "");
          return { escaped: await exists(escape), inside: await exists(`${cwd}/inside`), reached, log: b.stderr };
        };
        const confined = await run({ decide_net: [`127.0.0.1:${listed.port}`] }, `http://127.0.0.1:${listed.port}/`);
        assertEquals([confined.escaped, confined.inside, confined.reached], [false, true, listed.marker]);
        assert(confined.log.includes("in the OS sandbox"), confined.log);
        const elsewhere = await run({ decide_net: [`127.0.0.1:${listed.port}`] }, `http://127.0.0.1:${other.port}/`);
        assertEquals([elsewhere.escaped, elsewhere.reached.includes(other.marker)], [false, false]);
        assertEquals(other.hits(), 0, "a host not in decide_net was reached");
        // Without decide_net the runner is not confined: the same write lands.
        const open = await run({}, `http://127.0.0.1:${other.port}/`);
        assertEquals([open.escaped, open.inside, open.reached], [true, true, other.marker]);
        assert(!open.log.includes("in the OS sandbox"), open.log);
      });
    } finally {
      await listed.close();
      await other.close();
    }
  },
});
