/** Atomic files (SPEC §2): temp + fsync + rename, exclusive creates, whole-line appends, and clear errors. */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { appendLines, createExclusive, fsError, listNames, readTail, writeFileAtomic } from "../../src/sys/fs.ts";
import { LooopError } from "../../src/core/errors.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "looop-fs-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.chmod(dir, 0o700).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every entry of `dir`, dotfiles included, sorted. */
function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

const modeOf = (path: string) => (Deno.statSync(path).mode ?? 0) & 0o777;

Deno.test("writeFileAtomic writes the content and leaves no temp file", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/a.txt`, "hello\n");
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "hello\n");
    await writeFileAtomic(`${dir}/b.bin`, new Uint8Array([0, 1, 2, 255]));
    assertEquals([...await Deno.readFile(`${dir}/b.bin`)], [0, 1, 2, 255]);
    assertEquals(entries(dir), ["a.txt", "b.bin"]);
  });
});

Deno.test("writeFileAtomic sets the mode it is given, whatever the umask", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/secret.json`, "{}", 0o600);
    assertEquals(modeOf(`${dir}/secret.json`), 0o600);
    await writeFileAtomic(`${dir}/sensor.sh`, "#!/bin/sh\n", 0o755);
    assertEquals(modeOf(`${dir}/sensor.sh`), 0o755);
    await writeFileAtomic(`${dir}/plain.md`, "x");
    assertEquals(modeOf(`${dir}/plain.md`), 0o644);
  });
});

Deno.test("writeFileAtomic replaces the content and the mode of an existing file", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/f`;
    await writeFileAtomic(p, "a much longer first version\n", 0o644);
    await writeFileAtomic(p, "v2\n", 0o600);
    assertEquals(await Deno.readTextFile(p), "v2\n");
    assertEquals(modeOf(p), 0o600);
    await writeFileAtomic(p, "");
    assertEquals(await Deno.readTextFile(p), "");
    assertEquals(entries(dir), ["f"]);
  });
});

Deno.test("50 concurrent writeFileAtomic to one path: the file is exactly one of them, never torn", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/contended.txt`;
    const contents = Array.from({ length: 50 }, (_, i) => `${i}:`.padEnd(200_000, String.fromCharCode(65 + (i % 26))));
    const seen = new Set<string>();
    let reading = true;
    // A reader racing the writers must only ever see a whole version.
    const reader = (async () => {
      while (reading) {
        try {
          seen.add(await Deno.readTextFile(p));
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
        await new Promise((r) => setTimeout(r, 0));
      }
    })();
    await Promise.all(contents.map((c) => writeFileAtomic(p, c)));
    reading = false;
    await reader;
    const final = await Deno.readTextFile(p);
    assert(contents.includes(final), `final content is none of the 50 (length ${final.length})`);
    for (const s of seen) assert(contents.includes(s), `a reader saw a torn file (length ${s.length})`);
    assertEquals(entries(dir), ["contended.txt"]);
  });
});

Deno.test("createExclusive creates once, then refuses and never overwrites", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/once.json`;
    assertEquals(await createExclusive(p, "first\n", 0o600), true);
    assertEquals(await createExclusive(p, "second\n"), false);
    assertEquals(await createExclusive(p, "third\n"), false);
    assertEquals(await Deno.readTextFile(p), "first\n");
    assertEquals(modeOf(p), 0o600);
    assertEquals(entries(dir), ["once.json"]);
  });
});

Deno.test("createExclusive does not overwrite a file that was written another way", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/mine.txt`;
    await Deno.writeTextFile(p, "the user's\n");
    assertEquals(await createExclusive(p, "looop's\n"), false);
    assertEquals(await Deno.readTextFile(p), "the user's\n");
  });
});

Deno.test("30 concurrent createExclusive on one path: exactly one wins, and its content is the file", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/race.json`;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => createExclusive(p, `winner ${i}\n`)));
    const winners = results.flatMap((ok, i) => (ok ? [i] : []));
    assertEquals(winners.length, 1, `winners: ${winners}`);
    assertEquals(await Deno.readTextFile(p), `winner ${winners[0]}\n`);
    assertEquals(entries(dir), ["race.json"]);
  });
});

Deno.test("20 concurrent appendLines of 1000-character lines: every line whole, none lost", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/journal.md`;
    const lines = Array.from(
      { length: 20 },
      (_, i) => `${String(i).padStart(2, "0")} `.padEnd(1000, "abcdefghij"[i % 10]),
    );
    await Promise.all(lines.map((l) => appendLines(p, l)));
    const text = await Deno.readTextFile(p);
    assert(text.endsWith("\n"));
    const got = text.split("\n").slice(0, -1);
    assertEquals(got.length, 20);
    assertEquals([...got].sort(), [...lines].sort());
  });
});

Deno.test("appendLines adds a missing newline and keeps an existing one", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/log`;
    await appendLines(p, "one");
    await appendLines(p, "two\nthree\n");
    assertEquals(await Deno.readTextFile(p), "one\ntwo\nthree\n");
  });
});

Deno.test("readTail returns the last bytes, the whole file when small, and '' when missing", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/t`;
    await Deno.writeTextFile(p, "0123456789");
    assertEquals(await readTail(p, 4), "6789");
    assertEquals(await readTail(p, 10), "0123456789");
    assertEquals(await readTail(p, 1000), "0123456789");
    assertEquals(await readTail(p, 0), "");
    assertEquals(await readTail(`${dir}/missing`, 10), "");
    const big = "x".repeat(100_000) + "the end\n";
    await Deno.writeTextFile(p, big);
    assertEquals(await readTail(p, 8), "the end\n");
  });
});

Deno.test("listNames skips dotfiles, filters by suffix, sorts, and gives [] for a missing dir", async () => {
  await withTempDir(async (dir) => {
    for (const n of ["b.json", "a.json", ".lock", ".a.json.123.tmp", "c.md"]) {
      await Deno.writeTextFile(`${dir}/${n}`, "");
    }
    await Deno.mkdir(`${dir}/sub`);
    assertEquals(await listNames(dir), ["a.json", "b.json", "c.md", "sub"]);
    assertEquals(await listNames(dir, ".json"), ["a.json", "b.json"]);
    assertEquals(await listNames(`${dir}/nope`), []);
  });
});

Deno.test("writing where a parent is a regular file fails with a 'cannot write' LooopError", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "in the way\n");
    const target = `${dir}/file/goal.md`;
    await assertRejects(() => writeFileAtomic(target, "x"), LooopError);
    await assertRejects(() => writeFileAtomic(target, "x"), new RegExp(`^LooopError: cannot write ${target}: `));
    await assertRejects(() => createExclusive(target, "x"), /cannot write/);
    await assertRejects(() => appendLines(target, "x"), /cannot append to/);
    assertEquals(await Deno.readTextFile(`${dir}/file`), "in the way\n");
    assertEquals(entries(dir), ["file"]);
  });
});

Deno.test("a failed rename (the path is a directory) leaves no temp file behind", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/keep`, "");
    await assertRejects(() => writeFileAtomic(`${dir}/taken`, "x"), /^LooopError: cannot write .*taken/);
    assertEquals(entries(dir), ["taken"]);
    assertEquals(entries(`${dir}/taken`), ["keep"]);
  });
});

Deno.test("fsError maps permission errors to 'cannot <action> <path>: permission denied' with a fix", () => {
  const mapped = fsError(new Deno.errors.PermissionDenied("EACCES"), "write", "/data/goals/x.md");
  assert(mapped instanceof LooopError);
  assertEquals(mapped.what, "cannot write /data/goals/x.md: permission denied");
  assertMatch(mapped.fix, /LOOOP_DATA_DIR/);
  assertEquals(mapped.code, 2);
  // A Deno permission looop's own set lacks is not the data dir's fault: main.ts names the flag and why.
  const notCapable = new Deno.errors.NotCapable('Requires write access to "/x"');
  assertEquals(fsError(notCapable, "write", "/x"), notCapable);
  const ro = fsError(new Error("Read-only file system (os error 30)"), "append to", "/j");
  assert(ro instanceof LooopError);
  assertEquals(ro.what, "cannot append to /j: read-only file system");
  const other = new Deno.errors.NotFound("gone");
  assertEquals(fsError(other, "read", "/x"), other, "other errors pass through unchanged");
});

/** Whether chmod 0o500 stops this process writing (it does not for root). */
async function chmodStopsWrites(): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "looop-fs-probe-" });
  try {
    await Deno.chmod(dir, 0o500);
    await Deno.writeTextFile(`${dir}/probe`, "");
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied) return true;
    throw e;
  } finally {
    await Deno.chmod(dir, 0o700);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "writing into a read-only dir gives 'cannot write …: permission denied' (skipped as root)",
  ignore: !(await chmodStopsWrites()),
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/ro`);
      await Deno.chmod(`${dir}/ro`, 0o500);
      await assertRejects(
        () => writeFileAtomic(`${dir}/ro/x.md`, "x"),
        new RegExp(`cannot write ${dir}/ro/x.md: permission denied`),
      );
      await Deno.chmod(`${dir}/ro`, 0o700);
      assertEquals(entries(`${dir}/ro`), []);
    });
  },
});
