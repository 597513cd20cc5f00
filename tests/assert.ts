/** Assertions for the tests: Node's built-in assert (JSR's @std/assert is out of reach), under short names. */
import nodeAssert from "node:assert/strict";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}
export const assertEquals = <T>(actual: T, expected: T, msg?: string) =>
  nodeAssert.deepStrictEqual(actual, expected, msg);
export const assertNotEquals = <T>(actual: T, expected: T, msg?: string) =>
  nodeAssert.notDeepStrictEqual(actual, expected, msg);
export const assertMatch = (actual: string, re: RegExp, msg?: string) => nodeAssert.match(actual, re, msg);
export const assertRejects = (fn: () => Promise<unknown>, expected?: RegExp | (new (...a: never[]) => Error)) =>
  nodeAssert.rejects(fn, expected as RegExp);
export const assertThrows = (fn: () => unknown, expected?: RegExp | (new (...a: never[]) => Error)) =>
  nodeAssert.throws(fn, expected as RegExp);
