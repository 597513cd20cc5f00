/** Journal lines in local time (SPEC §2) and the durations of config `session_ttl` (SPEC §3). */
import { assertEquals } from "../assert.ts";
import { journalLine, localDay, localMinute } from "../../src/core/time.ts";
import { formatAge, parseDuration } from "../../src/core/duration.ts";
import { DENO, ROOT } from "../helpers.ts";

Deno.test("journalLine is `- YYYY-MM-DD HH:MM text` and a newline, in local time", () => {
  assertEquals(journalLine(new Date(2024, 2, 5, 7, 9, 59), "noop: quiet"), "- 2024-03-05 07:09 noop: quiet\n");
  assertEquals(journalLine(new Date(2024, 11, 31, 23, 59), "x"), "- 2024-12-31 23:59 x\n");
  assertEquals(localDay(new Date(2024, 0, 1, 0, 0)), "2024-01-01");
  assertEquals(localMinute(new Date(2024, 0, 1, 0, 0)), "2024-01-01 00:00");
});

Deno.test("journalLine folds newlines to single spaces and trims", () => {
  const now = new Date(2024, 0, 15, 10, 30);
  assertEquals(journalLine(now, "first\nsecond"), "- 2024-01-15 10:30 first second\n");
  assertEquals(journalLine(now, "a  \r\n\n   b\rc\n"), "- 2024-01-15 10:30 a b c\n");
  assertEquals(journalLine(now, "  padded  "), "- 2024-01-15 10:30 padded\n");
  const line = journalLine(now, "x\ny\nz");
  assertEquals(line.indexOf("\n"), line.length - 1, "exactly one newline, at the end");
});

Deno.test("journalLine uses the local time zone (a real process in America/New_York)", async () => {
  const mod = new URL("../../src/core/time.ts", import.meta.url).href;
  const child = new Deno.Command(DENO, {
    args: ["run", "--no-prompt", "-"],
    cwd: ROOT,
    env: { TZ: "America/New_York" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(
    `import { journalLine } from ${JSON.stringify(mod)};
console.log(JSON.stringify(journalLine(new Date("2024-01-15T03:04:00Z"), "hello")));`,
  ));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  assertEquals(out.code, 0, dec.decode(out.stderr));
  // 03:04Z on the 15th is 22:04 on the 14th in New York (UTC-5 in January).
  assertEquals(JSON.parse(dec.decode(out.stdout)), "- 2024-01-14 22:04 hello\n");
});

Deno.test("parseDuration reads s, m, h, d and bare seconds", () => {
  const cases: [string, number][] = [
    ["90s", 90],
    ["15m", 900],
    ["2h", 7200],
    ["3d", 259200],
    ["42", 42],
    ["0s", 0],
    ["1.5h", 5400],
    [" 3d ", 259200],
    ["3 d", 259200],
  ];
  for (const [text, want] of cases) assertEquals(parseDuration(text), want, JSON.stringify(text));
});

Deno.test("parseDuration refuses anything else", () => {
  for (const text of ["", "d", "soon", "-1s", "3w", "3dd", "1h30m", "1e3s", ".5h", "3D"]) {
    assertEquals(parseDuration(text), undefined, JSON.stringify(text));
  }
});

Deno.test("formatAge gives the largest whole unit", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [-5, "0s"],
    [59.9, "59s"],
    [60, "1m"],
    [3599, "59m"],
    [3600, "1h"],
    [86399, "23h"],
    [86400, "1d"],
    [10 * 86400 + 5, "10d"],
  ];
  for (const [s, want] of cases) assertEquals(formatAge(s), want, `formatAge(${s})`);
});
