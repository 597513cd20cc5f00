/** Spend arithmetic (SPEC §9): per LOCAL day, per kind, per id; amounts typed on the command line. */
import { assert, assertEquals } from "../assert.ts";
import { parseUsd, spendByDay, spentToday } from "../../src/core/cost.ts";
import type { LedgerRecord } from "../../src/core/schemas.ts";
import { DENO, ROOT } from "../helpers.ts";

/** A record at a LOCAL wall-clock time (month is 1-based). */
function at(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  kind: LedgerRecord["kind"],
  id: string,
  usd: number,
): LedgerRecord {
  return { ts: new Date(y, mo - 1, d, h, mi).toISOString(), kind, id, runner: "pi", cost_usd: usd };
}

Deno.test("spendByDay groups by local day, then by kind and by id", () => {
  const records = [
    at(2024, 1, 16, 0, 5, "tick", "pulse", 0.5),
    at(2024, 1, 15, 9, 0, "tick", "pulse", 0.25),
    at(2024, 1, 15, 23, 59, "session", "ship", 1),
    at(2024, 1, 15, 12, 0, "session", "ship", 0.125),
    at(2024, 1, 15, 13, 0, "session", "review", 2),
  ];
  assertEquals(spendByDay(records), [
    {
      day: "2024-01-15",
      total_usd: 3.375,
      by_kind: { tick: 0.25, session: 3.125 },
      by_id: { pulse: 0.25, review: 2, ship: 1.125 },
    },
    { day: "2024-01-16", total_usd: 0.5, by_kind: { tick: 0.5, session: 0 }, by_id: { pulse: 0.5 } },
  ]);
});

Deno.test("spendByDay lists ids sorted and days in order", () => {
  const days = spendByDay([
    at(2024, 3, 2, 10, 0, "session", "zeta", 1),
    at(2024, 2, 29, 10, 0, "session", "alpha", 1),
    at(2024, 3, 2, 11, 0, "session", "beta", 1),
  ]);
  assertEquals(days.map((d) => d.day), ["2024-02-29", "2024-03-02"]);
  assertEquals(Object.keys(days[1].by_id), ["beta", "zeta"]);
  assertEquals(spendByDay([]), []);
});

Deno.test("spendByDay rounds away floating-point noise", () => {
  const days = spendByDay([
    at(2024, 1, 15, 9, 0, "tick", "pulse", 0.1),
    at(2024, 1, 15, 9, 1, "tick", "pulse", 0.2),
    at(2024, 1, 15, 9, 2, "session", "w", 0.7),
    at(2024, 1, 15, 9, 3, "session", "w", 0.1),
  ]);
  assertEquals(days[0].by_kind.tick, 0.3);
  assertEquals(days[0].by_id.pulse, 0.3);
  assertEquals(days[0].by_kind.session, 0.8);
  assertEquals(days[0].total_usd, 1.1);
});

Deno.test("spentToday sums only the local day of now", () => {
  const records = [
    at(2024, 1, 14, 23, 59, "tick", "pulse", 5),
    at(2024, 1, 15, 0, 0, "tick", "pulse", 0.1),
    at(2024, 1, 15, 23, 59, "session", "w", 0.2),
    at(2024, 1, 16, 0, 0, "tick", "pulse", 7),
  ];
  assertEquals(spentToday(records, new Date(2024, 0, 15, 12, 0)), 0.3);
  assertEquals(spentToday(records, new Date(2024, 0, 17, 12, 0)), 0);
  assertEquals(spentToday([], new Date()), 0);
});

/** Run `code` in a child Deno whose local time zone is `tz`; returns its stdout. */
async function inTimeZone(tz: string, code: string): Promise<string> {
  const child = new Deno.Command(DENO, {
    args: ["run", "--no-prompt", "-"],
    cwd: ROOT,
    env: { TZ: tz },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(code));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  assertEquals(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout).trim();
}

Deno.test("the day is the local day, not the UTC day (a real process in Asia/Tokyo, UTC+9)", async () => {
  const mod = new URL("../../src/core/cost.ts", import.meta.url).href;
  const out = await inTimeZone(
    "Asia/Tokyo",
    `import { spendByDay, spentToday } from ${JSON.stringify(mod)};
const records = [
  { ts: "2024-01-15T14:00:00.000Z", kind: "tick", id: "pulse", runner: "pi", cost_usd: 1 },
  { ts: "2024-01-15T16:00:00.000Z", kind: "tick", id: "pulse", runner: "pi", cost_usd: 2 },
];
console.log(JSON.stringify({
  days: spendByDay(records).map((d) => [d.day, d.total_usd]),
  today: spentToday(records, new Date("2024-01-15T20:00:00.000Z")),
}));`,
  );
  // 14:00Z is 23:00 on the 15th in Tokyo; 16:00Z is 01:00 on the 16th; 20:00Z is 05:00 on the 16th.
  assertEquals(JSON.parse(out), { days: [["2024-01-15", 1], ["2024-01-16", 2]], today: 2 });
});

Deno.test("parseUsd accepts non-negative decimal amounts", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["0.42", 0.42],
    ["1e-3", 0.001],
    ["12", 12],
    [".5", 0.5],
    [
      " 3.25 ",
      3.25,
    ],
    ["2E2", 200],
    ["1.", 1],
  ];
  for (const [text, want] of cases) assertEquals(parseUsd(text), want, JSON.stringify(text));
});

Deno.test("parseUsd refuses negatives, words, empty text and non-finite values", () => {
  for (const text of ["-1", "abc", "", " ", "NaN", "Infinity", "-0.5", "1e999", "0x10", "1,5", "$1", "1.2.3"]) {
    assert(parseUsd(text) === undefined, `expected ${JSON.stringify(text)} to be refused, got ${parseUsd(text)}`);
  }
});
