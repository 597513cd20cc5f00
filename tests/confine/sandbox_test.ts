/**
 * The OS sandbox (SPEC §10) seen through real beats: a shell sensor and a run_shell move cannot
 * write outside the data dir, read secrets, reach a loopback port not allowed, or write through a
 * symlink that leads out; the same commands aimed at scratch/ work. sandbox.allow_net opens a
 * host; without bubblewrap, "required" refuses everything, "auto" runs hand-written sensors with a
 * warning and refuses run_shell, "off" runs it (the user accepted the risk).
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type PulseLab, withLab } from "../pulse/helpers.ts";
import { exists, pathWithoutBwrap, type Server, unique, withServers } from "./helpers.ts";

const HOME = Deno.env.get("HOME") ?? "/root";

type Attempt = { name: string; cmd: string };

/** The escapes, each one shell command that must fail under the sandbox. */
function escapes(u: string, server: Server, link: string, secret: string): Attempt[] {
  return [
    { name: "home", cmd: `echo x > ${HOME}/escape-${u}` },
    { name: "etc", cmd: `echo x > /tmp/../etc/looop-${u}` },
    { name: "secret", cmd: `cat ${secret}` },
    { name: "net", cmd: `curl -s -m 3 http://127.0.0.1:${server.port}/` },
    { name: "symlink", cmd: `echo escaped > ${link}` },
  ];
}

/** A sensor that runs each attempt, its signal the exit codes, its detail the (JSON-safe) outputs. */
function probeSensor(attempts: Attempt[]): string {
  const lines = ["#!/bin/bash"];
  for (const [i, a] of attempts.entries()) {
    lines.push(`o${i}=$( { ${a.cmd} ; } 2>&1 ); e${i}=$?`);
    lines.push(`o${i}=$(printf '%s' "$o${i}" | head -c 300 | tr -dc 'A-Za-z0-9 :._/-')`);
  }
  const sig = attempts.map((a) => `"${a.name}":%d`).join(",");
  const det = attempts.map((a) => `"${a.name}":"%s"`).join(",");
  const args = [...attempts.map((_, i) => `"$e${i}"`), ...attempts.map((_, i) => `"$o${i}"`)].join(" ");
  lines.push(`printf '{"signal":{${sig}},"detail":{${det}}}\\n' ${args}`);
  return lines.join("\n") + "\n";
}

type Probe = { signal: Record<string, number>; detail: Record<string, string> };

/** The shell.log of the run whose command was `cmd`. */
async function shellLogOf(lab: PulseLab, cmd: string): Promise<string> {
  for await (const e of Deno.readDir(`${lab.dir}/runs`)) {
    const text = await Deno.readTextFile(`${lab.dir}/runs/${e.name}/shell.log`).catch(() => "");
    if (text.startsWith(`$ ${cmd}\n`)) return text;
  }
  throw new Error(`no runs/*/shell.log for ${cmd}`);
}

/** A write the sandbox refused is named as a denial in the journal (#15); a read or a connection fails plainly. */
const deniedSuffix = (attempt: string) => ["home", "etc", "symlink"].includes(attempt) ? ", denied by the sandbox" : "";

Deno.test("default sandbox: sensor and run_shell cannot escape the data dir; inside it they can", async () => {
  const u = unique();
  const outside = await Deno.makeTempDir({ prefix: "looop-outside-" });
  const sshDir = `${HOME}/.ssh`;
  const hadSsh = await exists(sshDir);
  const secret = `${sshDir}/looop-test-${u}`;
  const secretText = `SECRET${u.replaceAll("-", "")}`;
  const escapeFiles = [`${HOME}/escape-${u}`, `/etc/looop-${u}`];
  try {
    await Deno.mkdir(sshDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(secret, secretText + "\n");
    await withServers(1, async ([server]) => {
      await withLab({}, async (lab) => {
        const target = `${outside}/target`;
        await Deno.writeTextFile(target, "original\n");
        const link = `${lab.dir}/link-${u}`;
        await Deno.symlink(target, link);
        const attempts = escapes(u, server, link, secret);
        const inside: Attempt[] = [
          { name: "write", cmd: `mkdir -p scratch/in && echo x > scratch/in/x-${u}` },
          { name: "read", cmd: `cat scratch/in/x-${u}` },
        ];
        await lab.sensor("probe", probeSensor(attempts));
        await lab.sensor("inside", probeSensor(inside));
        await lab.replies(
          ...attempts.map((a) => ({ action: "run_shell", cmd: a.cmd, reason: "probe", journal: `escape ${a.name}` })),
          {
            action: "run_shell",
            cmd: `echo y > scratch/y-${u}`,
            reason: "probe",
            journal: "inside write",
          },
        );

        const journalBefore = await lab.journal();
        for (const [i, a] of attempts.entries()) {
          if (i > 0) await lab.touchGoal("steer", `next ${i}`);
          const b = await lab.beatExpect(0, "moved");
          if (i === 0) {
            const probe = (await lab.snapshot("sensor-probe")) as Probe;
            assertEquals(Object.keys(probe.signal).sort(), attempts.map((x) => x.name).sort(), JSON.stringify(probe));
            for (const x of attempts) {
              assert(probe.signal[x.name] !== 0, `sensor ${x.name} succeeded: ${JSON.stringify(probe)}`);
            }
            assert(!JSON.stringify(probe).includes(secretText), "the secret leaked into the reading");
            assert(!JSON.stringify(probe).includes(server.marker), "the sensor reached the server");
            assertEquals(await lab.snapshot("sensor-inside"), {
              signal: { write: 0, read: 0 },
              detail: { write: "", read: "x" },
            });
          }
          const log = await shellLogOf(lab, a.cmd);
          assertMatch(log, /\n\[exit [1-9]\d*\]\n$/, `run_shell ${a.name} should fail:\n${log}`);
          assert(!log.includes(secretText), "the secret leaked into shell.log");
          assert(!log.includes(server.marker), "run_shell reached the server");
          const denied = deniedSuffix(a.name);
          assertMatch(b.result?.journal ?? "", new RegExp(`escape ${a.name} \\(exit [1-9]\\d*${denied}\\)$`));
        }
        await lab.touchGoal("steer", "inside");
        const ok = await lab.beatExpect(0, "moved");
        assertMatch(ok.result?.journal ?? "", /inside write \(exit 0\)$/);
        assertEquals(await Deno.readTextFile(`${lab.dir}/scratch/y-${u}`), "y\n");
        const added = await lab.journalSince(journalBefore);
        for (const a of attempts) {
          const denied = deniedSuffix(a.name);
          const line = new RegExp(`escape ${a.name} \\(exit [1-9]\\d*${denied}\\)$`);
          assert(added.some((l) => line.test(l)), added.join("\n"));
        }

        for (const f of escapeFiles) assert(!(await exists(f)), `${f} was written`);
        assertEquals(await Deno.readTextFile(target), "original\n", "written through the symlink");
        assertEquals(server.hits(), 0, "the server was reached");

        const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
        assertMatch(String(state.sandbox), /^on/);
      });
    });
  } finally {
    for (const f of escapeFiles) await Deno.remove(f).catch(() => {});
    await Deno.remove(secret).catch(() => {});
    if (!hadSsh) await Deno.remove(sshDir, { recursive: true }).catch(() => {});
    await Deno.remove(outside, { recursive: true }).catch(() => {});
  }
});

// The library sets NO_PROXY=localhost,127.0.0.1,… in the sandbox, which would send a plain `curl`
// to 127.0.0.1 straight into bubblewrap's empty network; looop unsets it when allow_net names a
// loopback or private host, so both a plain request and one forced through the proxy arrive.
Deno.test("sandbox.allow_net 127.0.0.1 lets a sensor reach a loopback server (through the proxy)", async () => {
  const fetchSensor = (port: number, flags: string) =>
    `#!/bin/bash\nbody=$(curl -s -m 5 ${flags} http://127.0.0.1:${port}/ | tr -dc 'A-Za-z0-9-')\n` +
    `printf '{"signal":{"body":"%s"}}\\n' "$body"\n`;
  await withServers(1, async ([server]) => {
    await withLab({ config: { sandbox: { allow_net: ["127.0.0.1"] } } }, async (lab) => {
      await lab.sensor("reach", fetchSensor(server.port, "--noproxy ''"));
      await lab.sensor("direct", fetchSensor(server.port, ""));
      await lab.beatExpect(0, "moved");
      assertEquals(await lab.snapshot("sensor-reach"), { signal: { body: server.marker } });
      assertEquals(await lab.snapshot("sensor-direct"), { signal: { body: server.marker } }, "no NO_PROXY bypass");
      assert(server.hits() >= 1);
      const state = JSON.parse((await lab.ok(["_", "state", "--json"])).stdout);
      assertMatch(String(state.sandbox), /^on/);
    });
  });
});

Deno.test("no bubblewrap: required refuses sensors and run_shell; auto runs sensors, refuses run_shell; off runs both", async () => {
  const u = unique();
  await withLab({ config: { sandbox: { mode: "required" } } }, async (lab) => {
    const PATH = await pathWithoutBwrap(lab.base);
    const marker = `${lab.dir}/marker-${u}`;
    await lab.sensor("plain", `#!/bin/bash\necho '{"signal":{"up":1}}'\n`);
    await lab.replies({ action: "run_shell", cmd: `echo x > ${marker}`, reason: "probe", journal: "marked" });
    const journalBefore = await lab.journal();

    const refused = await lab.beatExpect(3, "refused", { PATH });
    assertMatch(refused.result?.reason ?? "", /sandbox/);
    assertMatch(refused.stderr, /sandbox\.off/);
    const reading = await lab.snapshot("sensor-plain") as Probe & { detail: { message: string } };
    assertEquals((reading.signal as unknown as { error: boolean }).error, true);
    assertMatch(reading.detail.message, /bubblewrap/);
    assertMatch(reading.detail.message, /install bubblewrap, socat and ripgrep/);
    assertMatch(reading.detail.message, /"mode": "auto"/);
    const added = await lab.journalSince(journalBefore);
    assert(added.some((l) => /move refused: .*sandbox/.test(l)), added.join("\n"));
    assert(!(await exists(marker)), "the refused run_shell ran");
    let state = JSON.parse((await lab.ok(["_", "state", "--json"], { env: { PATH } })).stdout);
    assertMatch(String(state.sandbox), /^off: .*bubblewrap/);

    // auto: the hand-written sensor runs (with a warning), the LLM's run_shell does not.
    await lab.configure({ sandbox: { mode: "auto" } });
    await lab.touchGoal("steer", "again");
    await lab.replies({ action: "run_shell", cmd: `echo x > ${marker}`, reason: "probe", journal: "marked" });
    const warned = await lab.beatExpect(3, "refused", { PATH });
    assertMatch(warned.stderr, /sandbox\.off/);
    assertMatch(warned.stderr, /no OS sandbox/);
    assertMatch(
      warned.result?.reason ?? "",
      /run_shell \(sandbox\): no OS sandbox here .*install bubblewrap, socat and ripgrep, or set "sandbox": \{"mode": "off"\}/,
    );
    assertEquals(await lab.snapshot("sensor-plain"), { signal: { up: 1 } });
    assert(!(await exists(marker)), "the run_shell ran without a sandbox in mode auto");
    state = JSON.parse((await lab.ok(["_", "state", "--json"], { env: { PATH } })).stdout);
    assertMatch(String(state.sandbox), /^off:/);
    // An LLM-written sensor would run every beat unconfined: refused too, with the same fix.
    await lab.touchGoal("steer", "a sensor");
    await lab.replies({ action: "write_sensor", name: "llm", script: "#!/bin/bash\necho '{}'\n" });
    const sensorMove = await lab.beatExpect(3, "refused", { PATH });
    assertMatch(sensorMove.result?.reason ?? "", /write_sensor \(sandbox\): no OS sandbox here .*"mode": "off"/);
    assert(!(await exists(`${lab.dir}/sensors/llm.sh`)), "the sensor was written");

    // off: the user accepted the risk, so it runs.
    await lab.configure({ sandbox: { mode: "off" } });
    await lab.touchGoal("steer", "once more");
    await lab.replies({ action: "run_shell", cmd: `echo x > ${marker}`, reason: "probe", journal: "marked" });
    const off = await lab.beatExpect(0, "moved", { PATH });
    assertMatch(off.stderr, /sandbox\.mode is off/);
    assertEquals(await Deno.readTextFile(marker), "x\n");
  });
});
