/** The session host's inbox drain: the poll and the watch never drain at once (a request carried out twice). */
import { assertEquals } from "../assert.ts";
import { oneAtATime } from "../../src/supervisor/host.ts";

Deno.test("oneAtATime: calls made while a run is in flight wait for it; none overlap; an error does not stop the next", async () => {
  let running = 0;
  let most = 0;
  const order: number[] = [];
  let n = 0;
  const run = oneAtATime(async () => {
    const me = n++;
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 5));
    order.push(me);
    running--;
    if (me === 1) throw new Error("a failed drain");
  });
  await Promise.all([run(), run(), run(), run()]);
  assertEquals([most, order], [1, [0, 1, 2, 3]]);
  // Without it, the same four calls overlap: the test can tell the difference.
  running = 0;
  most = 0;
  const plain = async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  };
  await Promise.all([plain(), plain(), plain(), plain()]);
  assertEquals(most, 4);
});
