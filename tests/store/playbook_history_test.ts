/** playbook.d/ (store/playbook_history.ts): what a PLAYBOOK write keeps, how it is named, ordered and pruned. */
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { type DataDir, layout } from "../../src/store/layout.ts";
import {
  keepPreviousPlaybook,
  playbookHistory,
  prunePlaybookHistory,
  utcStamp,
} from "../../src/store/playbook_history.ts";
import { withTempDir } from "../helpers.ts";

const T0 = new Date(Date.UTC(2026, 11, 1, 20, 6, 46, 789));

/** A data dir (PLAYBOOK.md saying `playbook`, when given) in a real temp dir, for `fn`. */
function withData(playbook: string | undefined, fn: (dd: DataDir, base: string) => Promise<void>): Promise<void> {
  return withTempDir("looop-playbook-history-", async (base) => {
    const dd = layout(`${base}/data`);
    await Deno.mkdir(dd.root);
    if (playbook !== undefined) await Deno.writeTextFile(dd.playbook, playbook);
    await fn(dd, base);
  });
}

/** What a write does: keep the current PLAYBOOK, then replace it. */
async function write(dd: DataDir, text: string, now: Date, keep = 20): Promise<string | undefined> {
  const kept = await keepPreviousPlaybook(dd, text, now, keep);
  await Deno.writeTextFile(dd.playbook, text);
  return kept;
}

const texts = async (dd: DataDir) => (await playbookHistory(dd)).map((v) => v.text);
const files = (dd: DataDir) => [...Deno.readDirSync(dd.playbookHistoryDir)].map((e) => e.name).sort();
const later = (s: number) => new Date(T0.getTime() + s * 1000);

Deno.test("utcStamp is the UTC time, compact, to the second", () => {
  assertEquals(utcStamp(T0), "20261201T200646Z");
});

Deno.test("each write keeps the text it replaces, newest first, numbered from 1, with its time and size", async () => {
  await withData("v0\n", async (dd) => {
    assertEquals(await playbookHistory(dd), [], "no playbook.d/ yet: no history");
    assertEquals(await write(dd, "v1\n", T0), "20261201T200646Z.md");
    await write(dd, "v2 é\n", later(60));
    const h = await playbookHistory(dd);
    assertEquals(h.map((v) => [v.n, v.file, v.at.toISOString(), v.bytes, v.text]), [
      [1, "20261201T200746Z.md", "2026-12-01T20:07:46.000Z", 3, "v1\n"],
      [2, "20261201T200646Z.md", "2026-12-01T20:06:46.000Z", 3, "v0\n"],
    ]);
    await write(dd, "v3\n", later(120));
    assertEquals((await playbookHistory(dd))[0].bytes, 6, "bytes, not characters");
  });
});

Deno.test("writes in the same second get -2, -3 … -11, and still sort newest first", async () => {
  await withData("v0\n", async (dd) => {
    for (let i = 1; i <= 11; i++) await write(dd, `v${i}\n`, T0);
    assertEquals(files(dd).length, 11);
    assert(files(dd).includes("20261201T200646Z-11.md"), files(dd).join(","));
    assertEquals(await texts(dd), Array.from({ length: 11 }, (_, i) => `v${10 - i}\n`));
  });
});

Deno.test("a version of the same second already there is never overwritten: the next number is used", async () => {
  await withData("v0\n", async (dd) => {
    await Deno.mkdir(dd.playbookHistoryDir);
    // Another looop's write of the same second (the pulse's and a human's): the new one goes after it.
    await Deno.writeTextFile(`${dd.playbookHistoryDir}/20261201T200646Z.md`, "other writer\n");
    assertEquals(await write(dd, "v1\n", T0), "20261201T200646Z-2.md");
    assertEquals(await Deno.readTextFile(`${dd.playbookHistoryDir}/20261201T200646Z.md`), "other writer\n");
    assertEquals(await texts(dd), ["v0\n", "other writer\n"]);
  });
});

Deno.test("a clock set back names the new version after the newest kept, so it is not pruned first", async () => {
  await withData("v0\n", async (dd) => {
    await write(dd, "v1\n", T0);
    assertEquals(await write(dd, "v2\n", later(-3600)), "20261201T200646Z-2.md");
    await write(dd, "v3\n", later(-7200), 2);
    assertEquals(await texts(dd), ["v2\n", "v1\n"]);
  });
});

Deno.test("an unchanged text keeps no duplicate; a missing PLAYBOOK keeps nothing", async () => {
  await withData(undefined, async (dd) => {
    assertEquals(await write(dd, "v1\n", T0), undefined);
    assertEquals(await write(dd, "v1\n", later(1)), undefined);
    assertEquals(await playbookHistory(dd), []);
    await write(dd, "v2\n", later(2));
    assertEquals(await texts(dd), ["v1\n"]);
  });
});

Deno.test("pruning keeps the newest `keep`; 0 keeps none; files of other names are left alone", async () => {
  await withData("v0\n", async (dd) => {
    for (let i = 1; i <= 5; i++) await write(dd, `v${i}\n`, later(i));
    await Deno.writeTextFile(`${dd.playbookHistoryDir}/notes.md`, "mine\n");
    await write(dd, "v6\n", later(6), 3);
    assertEquals(await texts(dd), ["v5\n", "v4\n", "v3\n"]);
    await prunePlaybookHistory(dd, 1);
    assertEquals(await texts(dd), ["v5\n"]);
    assertEquals(await write(dd, "v7\n", later(7), 0), undefined, "keep 0: nothing kept");
    assertEquals(files(dd), ["notes.md"]);
  });
});

Deno.test("a link planted as playbook.d/ is refused, never followed; a link inside is neither listed nor pruned", async () => {
  await withData("v0\n", async (dd, base) => {
    const outside = `${base}/outside`;
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${outside}/20261201T200646Z.md`, "outside\n");
    await Deno.symlink(outside, dd.playbookHistoryDir);
    const linkError = new RegExp(`${dd.playbookHistoryDir.replaceAll("/", "\\/")} is a symbolic link`);
    await assertRejects(() => keepPreviousPlaybook(dd, "v1\n", T0, 20), linkError);
    await assertRejects(() => playbookHistory(dd), linkError);
    assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["20261201T200646Z.md"]);
    assertEquals(await Deno.readTextFile(`${outside}/20261201T200646Z.md`), "outside\n");

    // A real folder with a link in it named like a version: not listed, not removed, not read.
    await Deno.remove(dd.playbookHistoryDir);
    await Deno.mkdir(dd.playbookHistoryDir);
    await Deno.symlink(`${outside}/20261201T200646Z.md`, `${dd.playbookHistoryDir}/20200101T000000Z.md`);
    await write(dd, "v1\n", T0, 1);
    await write(dd, "v2\n", later(1), 1);
    assertEquals(await texts(dd), ["v1\n"]);
    assert(Deno.lstatSync(`${dd.playbookHistoryDir}/20200101T000000Z.md`).isSymlink);
    // A link under the very name the next version would take: refused, and what it points at untouched.
    await Deno.symlink(`${outside}/20261201T200646Z.md`, `${dd.playbookHistoryDir}/20261201T200648Z.md`);
    await assertRejects(() => keepPreviousPlaybook(dd, "v3\n", later(2), 1), /20261201T200648Z\.md is a symbolic link/);
    assertEquals(await Deno.readTextFile(`${outside}/20261201T200646Z.md`), "outside\n");
  });
});
