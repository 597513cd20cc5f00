/** Pruning finished sessions older than `session_ttl` (SPEC §8), on real dirs and a real host lock. */
import { assertEquals } from "../assert.ts";
import { pruneSessions } from "../../src/supervisor/prune.ts";
import { layout } from "../../src/store/layout.ts";
import { type Held, lockExclusive } from "../../src/sys/lock.ts";

const DAY_S = 86_400;

Deno.test("pruneSessions removes finished sessions that ended before the TTL, keeps live, young and the pulse", async () => {
  const base = await Deno.makeTempDir({ prefix: "looop-prune-test-" });
  const dd = layout(`${base}/data`);
  const now = new Date("2026-03-10T12:00:00Z");
  const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
  const ttl = 3 * DAY_S;
  const session = async (id: string, o: { state?: string; started?: string; ended?: string }) => {
    const dir = dd.session(id);
    await Deno.mkdir(dir, { recursive: true });
    if (o.started) {
      const meta = {
        id,
        runner: "fake",
        command: "true",
        pid: 1,
        host_pid: 1,
        started: o.started,
        state: o.state ?? "exited",
        cols: 80,
        rows: 24,
      };
      await Deno.writeTextFile(`${dir}/meta.json`, JSON.stringify(meta));
    }
    if (o.ended) await Deno.writeTextFile(`${dir}/exit.json`, JSON.stringify({ code: 0, signal: null, ts: o.ended }));
  };
  let live: Held | undefined;
  try {
    // A live session (its host holds the lock) is never pruned, however old.
    await session("live", { state: "running", started: ago(10 * DAY_S) });
    live = await lockExclusive(`${dd.session("live")}/host.lock`);
    await session("old-exited", { started: ago(5 * DAY_S), ended: ago(4 * DAY_S) });
    await session("old-killed", { state: "killed", started: ago(5 * DAY_S), ended: ago(4 * DAY_S) });
    await session("old-dead", { state: "running", started: ago(4 * DAY_S) }); // its host vanished
    await session("just-over", { started: ago(5 * DAY_S), ended: ago(ttl + 1) });
    await session("at-ttl", { started: ago(5 * DAY_S), ended: ago(ttl) });
    await session("young", { started: ago(10 * DAY_S), ended: ago(3600) }); // long run, ended an hour ago
    await session("pulse", { state: "exited", started: ago(10 * DAY_S), ended: ago(10 * DAY_S) });
    await session("bare", {}); // no meta, no exit: nothing tells its age

    const { pruned, kept } = await pruneSessions(dd, ttl, now);
    assertEquals(pruned, ["just-over", "old-dead", "old-exited", "old-killed"]);
    const left = [...Deno.readDirSync(dd.sessionsDir)].map((e) => e.name).sort();
    assertEquals(left, ["at-ttl", "bare", "live", "pulse", "young"]);
    // What was kept is handed back as read, with its state: the pulse first, as listSessions orders.
    assertEquals(kept.map((s) => s.id), ["pulse", ...left.filter((id) => id !== "pulse")]);
    assertEquals(kept.find((s) => s.id === "live")?.status.kind, "running");
    assertEquals((await pruneSessions(dd, ttl, now)).pruned, [], "a second prune finds nothing");

    // Once its host is gone, the live one is a dead session like any other.
    live.release();
    assertEquals((await pruneSessions(dd, ttl, now)).pruned, ["live"]);
  } finally {
    live?.release();
    await Deno.remove(base, { recursive: true });
  }
});
