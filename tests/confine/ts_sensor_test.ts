/**
 * Deno-native sensors (SPEC §10) through real beats: the Worker reads the data dir and reaches
 * only the hosts its `// looop:net=` header names; no other reads, no processes, no writes; the
 * default-export contract, the timeout and the output cap hold as for shell sensors.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type PulseLab, withLab } from "../pulse/helpers.ts";
import { exists, withServers } from "./helpers.ts";
import { TS_SENSOR_HEAP_MB, tsSensorEnv } from "../../src/sensor/ts.ts";
import { SELF_ENV } from "../../src/sys/permissions.ts";

type ErrorReading = {
  signal: { error: boolean; exit_code: number | null };
  detail: { message: string; stderr: string };
};

async function tsSensor(lab: PulseLab, name: string, source: string): Promise<void> {
  await Deno.writeTextFile(`${lab.dir}/sensors/${name}.ts`, source);
}

const fetchBody = (port: number) =>
  `const r = await fetch("http://127.0.0.1:${port}/");\nconsole.log(JSON.stringify({ body: await r.text() }));\n`;

function assertError(r: Record<string, unknown>, code: number | null, re: RegExp, what: string): void {
  const e = r as ErrorReading;
  assertEquals(e.signal, { error: true, exit_code: code }, `${what}: ${JSON.stringify(r)}`);
  assertMatch(`${e.detail.message} ${e.detail.stderr}`, re, what);
}

Deno.test("a .ts sensor reaches only the hosts its header declares (within sandbox.allow_net)", async () => {
  await withServers(2, async ([a, b]) => {
    await withLab({ config: { sandbox: { allow_net: ["127.0.0.1"] } } }, async (lab) => {
      await tsSensor(lab, "nohdr", fetchBody(a.port));
      await tsSensor(lab, "reach", `// looop:net=127.0.0.1:${a.port}\n${fetchBody(a.port)}`);
      await tsSensor(lab, "other", `// looop:net=127.0.0.1:${a.port}\n${fetchBody(b.port)}`);
      await lab.beatExpect(0, "moved");
      assertError(await lab.snapshot("sensor-nohdr"), 1, /NotCapable|net access|PermissionDenied/i, "no header");
      assertEquals(await lab.snapshot("sensor-reach"), { body: a.marker });
      assertError(await lab.snapshot("sensor-other"), 1, /NotCapable|net access|PermissionDenied/i, "other port");
      assertEquals(a.hits(), 1, "only the declared sensor reached server a");
      assertEquals(b.hits(), 0, "server b was never reached");
    });
  });
});

Deno.test("a .ts sensor reads the data dir only, runs no process, writes nothing", async () => {
  await withLab({}, async (lab) => {
    await tsSensor(lab, "etc", `console.log(JSON.stringify({ h: await Deno.readTextFile("/etc/hostname") }));\n`);
    await tsSensor(
      lab,
      "run",
      `const o = await new Deno.Command("true").output();\nconsole.log(JSON.stringify({ ok: o.success }));\n`,
    );
    await tsSensor(
      lab,
      "writein",
      `await Deno.writeTextFile("${lab.dir}/reports/ts-wrote", "x");\nconsole.log("{}");\n`,
    );
    await tsSensor(
      lab,
      "readin",
      `console.log(JSON.stringify({ n: (await Deno.readTextFile("${lab.dir}/PLAYBOOK.md")).length > 0 }));\n`,
    );
    await lab.beatExpect(0, "moved");
    assertError(await lab.snapshot("sensor-etc"), 1, /NotCapable|read access/i, "read /etc/hostname");
    assertError(await lab.snapshot("sensor-run"), 1, /NotCapable|run access/i, "Deno.Command");
    assertError(await lab.snapshot("sensor-writein"), 1, /NotCapable|write access/i, "write in the data dir");
    assert(!(await exists(`${lab.dir}/reports/ts-wrote`)), "the sensor wrote");
    assertEquals(await lab.snapshot("sensor-readin"), { n: true });
  });
});

Deno.test("a .ts sensor: default export works, a hang is cut at the timeout, too much output is an error", async () => {
  await withLab({ env: { LOOOP_SENSOR_TIMEOUT: "2", LOOOP_SENSOR_MAX_BYTES: "200" } }, async (lab) => {
    await tsSensor(lab, "fn", `export default async () => ({ signal: { n: 1 }, detail: { via: "default" } });\n`);
    await tsSensor(lab, "hang", `export default () => new Promise(() => {});\n`);
    await tsSensor(lab, "big", `console.log(JSON.stringify({ s: "a".repeat(1000) }));\n`);
    await lab.beatExpect(0, "moved");
    assertEquals(await lab.snapshot("sensor-fn"), { signal: { n: 1 }, detail: { via: "default" } });
    assertError(await lab.snapshot("sensor-hang"), 124, /timed out after 2s/, "hang");
    assertError(await lab.snapshot("sensor-big"), null, /more than 200 bytes/, "big");
  });
});

Deno.test("a .ts sensor: a link to a secret reads nothing; one that allocates forever is an error, the pulse lives", async () => {
  const home = Deno.env.get("HOME") ?? "/root";
  const sshDir = `${home}/.ssh`;
  const hadSsh = await exists(sshDir);
  const secret = `${sshDir}/looop-ts-${crypto.randomUUID()}`;
  try {
    await Deno.mkdir(sshDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(secret, "TS-SECRET-KEY\n");
    await withLab({}, async (lab) => {
      // A link in scratch/ (where sandboxed code may write) pointing at the secret.
      await Deno.symlink(secret, `${lab.dir}/scratch/key`);
      await tsSensor(
        lab,
        "link",
        `let t = "";\ntry { t = await Deno.readTextFile("${lab.dir}/scratch/key"); } catch (e) { t = "error: " + e.name; }\n` +
          `console.log(JSON.stringify({ signal: { leaked: t.includes("TS-SECRET") } }));\n`,
      );
      await tsSensor(lab, "hog", `const a = [];\nwhile (true) a.push(new Array(1e6).fill(Math.random()));\n`);
      await lab.sensor("plain", `#!/bin/bash\necho '{"signal":{"ok":1}}'\n`);
      await lab.beatExpect(0, "moved");
      assertEquals(await lab.snapshot("sensor-link"), { signal: { leaked: false } });
      assertError(await lab.snapshot("sensor-hog"), null, /ran out of memory/, "the hog");
      assertEquals(await lab.snapshot("sensor-plain"), { signal: { ok: 1 } }, "the other sensors still read");
      await lab.touchGoal("again", "x");
      await lab.beatExpect(0, "moved"); // the next beat runs as usual
    });
  } finally {
    await Deno.remove(secret).catch(() => {});
    if (!hadSsh) await Deno.remove(sshDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("a .ts sensor's process, from source, makes no Deno update check and has its heap capped", () => {
  const env = tsSensorEnv();
  for (const [k, v] of Object.entries(SELF_ENV)) assertEquals(env[k], v, k);
  assertEquals(env.DENO_V8_FLAGS, `--max-old-space-size=${TS_SENSOR_HEAP_MB}`);
});
