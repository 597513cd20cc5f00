/**
 * Inside a guarded tree (a data dir), sys/fs.ts never follows a symbolic link (SPEC §10): a link
 * where looop expects its own file or folder is refused with an error naming it, whatever the
 * operation, and nothing the link points at is read, written or removed.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../assert.ts";
import {
  appendLines,
  assertNoLink,
  createExclusive,
  ensureDir,
  ensureOwnDir,
  exists,
  guardTree,
  listNames,
  moveFile,
  openAppend,
  readTextIfExists,
  removeIfExists,
  removeOlderThan,
  removeTree,
  writeFileAtomic,
} from "../../src/sys/fs.ts";
import { LooopError } from "../../src/core/errors.ts";
import { withTempDir } from "../helpers.ts";
import { runProcess } from "../../src/sys/spawn.ts";

/** A guarded data dir `root` and an outside dir with a file in it, for `fn`. */
async function withTree(fn: (root: string, outside: string) => Promise<void>): Promise<void> {
  await withTempDir("looop-nolink-", async (base) => {
    const root = `${base}/data`;
    const outside = `${base}/outside`;
    await Deno.mkdir(`${root}/goals`, { recursive: true });
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${outside}/keep.txt`, "keep\n");
    guardTree(root);
    await fn(root, outside);
  });
}

const listing = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

function assertLinkRefusal(e: unknown, link: string): void {
  assert(e instanceof LooopError, String(e));
  assertMatch(e.what, new RegExp(`${link.replaceAll("/", "\\/")} is a symbolic link`));
  assertMatch(e.fix, /remove the link/);
}

Deno.test("a dir replaced by a link: every operation under it is refused, the outside untouched", async () => {
  await withTree(async (root, outside) => {
    await Deno.remove(`${root}/goals`, { recursive: true });
    await Deno.symlink(outside, `${root}/goals`);
    const p = `${root}/goals/keep.txt`;
    const ops: [string, () => unknown][] = [
      ["read", () => readTextIfExists(p)],
      ["write", () => writeFileAtomic(`${root}/goals/new.md`, "x")],
      ["create", () => createExclusive(`${root}/goals/new.md`, "x")],
      ["append", () => appendLines(p, "x")],
      ["list", () => listNames(`${root}/goals`)],
      ["exists", () => exists(p)],
      ["remove", () => removeIfExists(p)],
      ["removeTree", () => removeTree(`${root}/goals/sub`)],
      ["sweep", () => removeOlderThan(`${root}/goals`, Date.now() + 86400_000)],
      ["move", () => moveFile(p, `${root}/moved`)],
      ["open", () => openAppend(p)],
      ["mkdir", () => ensureDir(`${root}/goals/archive`)],
    ];
    for (const [what, op] of ops) {
      let err: unknown;
      try {
        await op();
      } catch (e) {
        err = e;
      }
      assert(err !== undefined, `${what} followed the link`);
      assertLinkRefusal(err, `${root}/goals`);
    }
    assertEquals(listing(outside), ["keep.txt"]);
    assertEquals(await Deno.readTextFile(`${outside}/keep.txt`), "keep\n");
  });
});

Deno.test("a file replaced by a link (dangling or not) is refused; an append never creates its target", async () => {
  await withTree(async (root, outside) => {
    await Deno.symlink(`${outside}/created-by-append`, `${root}/journal.md`);
    await assertRejects(() => appendLines(`${root}/journal.md`, "- x"), /journal\.md is a symbolic link/);
    assert(!listing(outside).includes("created-by-append"), "the append followed a dangling link");
    await Deno.symlink(`${outside}/keep.txt`, `${root}/goals/g.md`);
    assertThrows(() => assertNoLink(`${root}/goals/g.md`), /goals\/g\.md is a symbolic link/);
    await assertRejects(() => writeFileAtomic(`${root}/goals/g.md`, "over"), /is a symbolic link/);
    assertEquals(await Deno.readTextFile(`${outside}/keep.txt`), "keep\n");
  });
});

Deno.test("real files and dirs pass; a path outside every guarded tree is not checked; the root may be a link", async () => {
  await withTree(async (root, outside) => {
    await writeFileAtomic(`${root}/goals/a.md`, "a\n");
    assertEquals(await readTextIfExists(`${root}/goals/a.md`), "a\n");
    assertEquals(await readTextIfExists(`${root}/goals/missing/x.md`), undefined);
    await Deno.symlink(`${outside}/keep.txt`, `${outside}/link`);
    assertEquals(await readTextIfExists(`${outside}/link`), "keep\n", "outside the tree, links are the user's");
    // A data dir reached through a link of the user's own (say ~/.local/state → /data) is fine.
    const alias = `${outside}/alias`;
    await Deno.symlink(root, alias);
    guardTree(alias);
    assertEquals(await readTextIfExists(`${alias}/goals/a.md`), "a\n");
  });
});

Deno.test("housekeeping removes a planted link as an entry and never what it points at; ensureOwnDir repairs", async () => {
  await withTree(async (root, outside) => {
    const scratch = `${root}/scratch`;
    await Deno.mkdir(scratch);
    await Deno.symlink(outside, `${scratch}/tmp`);
    await ensureOwnDir(`${scratch}/tmp`);
    assert((await Deno.lstat(`${scratch}/tmp`)).isDirectory, "scratch/tmp is a real dir again");
    await Deno.symlink(outside, `${scratch}/planted`);
    const old = new Date(Date.now() - 2 * 86400_000);
    await new Deno.Command("touch", { args: ["-h", "-d", old.toISOString(), `${scratch}/planted`] }).output();
    await removeOlderThan(scratch, Date.now() - 86400_000, () => true, { deep: true });
    assert(!listing(scratch).includes("planted"));
    assertEquals(listing(outside), ["keep.txt"]);
  });
});

Deno.test("a folder swapped for a link by a command looop ran is seen at once, though it was just checked", async () => {
  await withTree(async (root, outside) => {
    await writeFileAtomic(`${root}/goals/a.md`, "a\n"); // goals/ checked a moment ago
    const r = await runProcess(["bash", "-c", `mv goals goals.old && ln -s ${outside} goals`], {
      cwd: root,
      timeoutMs: 10_000,
    });
    assertEquals(r.outcome, { kind: "exited", code: 0, signal: null });
    await assertRejects(() => writeFileAtomic(`${root}/goals/b.md`, "b\n"), /goals is a symbolic link/);
    assertEquals(listing(outside), ["keep.txt"]);
  });
});
