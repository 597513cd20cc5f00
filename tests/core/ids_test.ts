/** Safe ids (SPEC §2): one path segment of at most 64 characters of [A-Za-z0-9._-], not starting with '.'. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { ID_MAX, idProblem, isSafeId, safeId } from "../../src/core/ids.ts";
import { LooopError } from "../../src/core/errors.ts";

const GOOD = ["a", "goal-1.x_y", "A.b-C_9", "x".repeat(64)];
const BAD: [string, RegExp][] = [
  ["", /empty/],
  ["../x", /path separator/],
  [".hidden", /starts with '\.'/],
  ["a/b", /path separator/],
  ["a\\b", /path separator/],
  ["x".repeat(65), /65 characters long \(at most 64\)/],
  ["a b", /outside/],
  ["é", /outside/],
  ["a\nb", /outside/],
  [".", /starts with '\.'/],
];

Deno.test("idProblem accepts one safe path segment of up to 64 characters", () => {
  assertEquals(ID_MAX, 64);
  for (const id of GOOD) {
    assertEquals(idProblem(id), undefined, `expected ${JSON.stringify(id)} to be safe`);
    assert(isSafeId(id));
    assertEquals(safeId("goal", id), id);
  }
});

Deno.test("idProblem names what is wrong with an unsafe id", () => {
  for (const [id, why] of BAD) {
    const problem = idProblem(id);
    assert(problem !== undefined, `expected ${JSON.stringify(id)} to be refused`);
    assertMatch(problem, why, `for ${JSON.stringify(id)}`);
    assertEquals(isSafeId(id), false);
  }
});

Deno.test("safeId throws a usage error (exit 2) naming the kind and the id", () => {
  for (const [id] of BAD) {
    let caught: unknown;
    try {
      safeId("sensor", id);
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof LooopError, `expected a LooopError for ${JSON.stringify(id)}`);
    assertEquals(caught.code, 2);
    assertMatch(caught.message, /refused \(id\): sensor id /);
    assert(caught.message.includes(JSON.stringify(id.slice(0, 80))), caught.message);
    assert(caught.fix.length > 0, "the error says how to fix it");
  }
});

Deno.test("safeId shortens a very long id in its message", () => {
  let caught: unknown;
  try {
    safeId("goal", "y".repeat(500));
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof LooopError);
  assert(caught.what.includes("y".repeat(80) + "…"), caught.what);
  assert(!caught.what.includes("y".repeat(81)), caught.what);
});
