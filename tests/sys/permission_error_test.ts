/**
 * A permission looop's own set lacks (someone ran src/main.ts with fewer flags) is reported as a
 * looop error naming the flag, what was asked and why looop needs it: not a Deno stack trace.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { DENO, MAIN, tempDataDir } from "../helpers.ts";
import { explainMissingPermission } from "../../src/sys/permissions.ts";

async function runWith(flags: string[], args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(DENO, {
    args: ["run", "--no-prompt", ...flags, MAIN, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("missing --allow-write: one line naming the flag, the path and why", async () => {
  const d = await tempDataDir();
  try {
    const r = await runWith(["--allow-read", "--allow-env"], ["_", "state"], d.env);
    assertEquals(r.code, 2);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    assertMatch(lines[0], /^looop: missing Deno permission --allow-write \(write access to "[^"]+\/data"\): /);
    assertMatch(lines[0], /looop needs it because it keeps all its state as files in its data dir/);
    assertMatch(lines[0], /deno task looop/);
  } finally {
    await d.cleanup();
  }
});

Deno.test("missing --allow-env: names the variable it tried to read", async () => {
  const d = await tempDataDir();
  try {
    const r = await runWith(["--allow-read", "--allow-write"], ["_", "state"], d.env);
    assertEquals(r.code, 2);
    assertMatch(
      r.stderr.trim(),
      /^looop: missing Deno permission --allow-env \(env access to "[A-Z_]+"\): looop needs it/,
    );
    assert(!r.stderr.includes("    at "), `no stack trace: ${r.stderr}`);
  } finally {
    await d.cleanup();
  }
});

Deno.test("explainMissingPermission: every kind in looop's set has a reason; other messages are left alone", () => {
  for (const kind of ["read", "write", "run", "env", "net", "ffi", "sys"]) {
    const line = explainMissingPermission(`Requires ${kind} access to "x", run again with the --allow-${kind} flag`);
    assert(
      line !== undefined &&
        line.startsWith(`missing Deno permission --allow-${kind} (${kind} access to "x"): looop needs it because`),
    );
    assert(!line.includes("part of looop's permission set"), `${kind} has its own reason: ${line}`);
  }
  assertEquals(explainMissingPermission("No such file or directory"), undefined);
});
