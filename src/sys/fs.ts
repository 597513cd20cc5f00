/**
 * Files, written so that a kill -9 at any line leaves either the old or the new content:
 * temp file in the same dir, fsync, rename. Appends are one write of whole lines.
 * Inside a guarded tree (a data dir), no function here follows a symbolic link: every path is
 * checked first, and a link where looop expects its own file or folder is refused (SPEC §10).
 */
import { Exit, LooopError } from "../core/errors.ts";

const enc = new TextEncoder();

/** The trees looop owns (its data dirs). */
const trees: { root: string }[] = [];

/**
 * From now on, refuse every path inside `root` that goes through a symbolic link (SPEC §10:
 * looop never follows a link it did not make). `root` itself may be reached through links.
 */
export function guardTree(root: string): void {
  if (!trees.some((t) => t.root === root)) trees.push({ root });
}

function treeOf(path: string): { root: string } | undefined {
  return trees.find((t) => path.startsWith(t.root + "/"));
}

/** The error for a link found at `link` on the way to `path`. */
export function linkRefusal(path: string, link: string): LooopError {
  return new LooopError(
    `refusing to use ${path}: ${link} is a symbolic link, and looop never follows a link in its data dir`,
    "remove the link (a sandboxed sensor or run_shell may have planted it) and put back the real file or folder",
    Exit.refused,
  );
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return undefined;
    throw e;
  }
}

/** The first symbolic link on the way from the tree's root to `path` (inclusive), if any. */
/**
 * Folders found to be real folders (not links) a moment ago: a verb that reads a thousand files of
 * one folder looks at the folder once, not a thousand times. Forgotten whenever a command this
 * process ran has ended (sys/spawn.ts): a sensor or run_shell without a sandbox may have swapped
 * a folder for a link meanwhile, and looop's next write must see it.
 */
const verified = new Map<string, number>();
const VERIFIED_FOR_MS = 100;

/** A child process ended: what it could have changed is looked at again. */
export function forgetVerified(): void {
  verified.clear();
}

function firstLink(root: string, path: string): string | undefined {
  let p = root;
  const parts = path.slice(root.length + 1).split("/");
  const now = performance.now();
  for (const [i, part] of parts.entries()) {
    p += "/" + part;
    const last = i === parts.length - 1;
    if (!last && now - (verified.get(p) ?? -Infinity) < VERIFIED_FOR_MS) continue;
    let st: Deno.FileInfo | undefined;
    try {
      st = lstatOrUndefined(p);
    } catch {
      return undefined; // cannot be looked at (permissions): the operation itself says so
    }
    if (!st) return undefined;
    if (st.isSymlink) return p;
    if (!last && st.isDirectory) verified.set(p, now);
  }
  return undefined;
}

/**
 * Throw unless `path` (inside a guarded tree) is reached without any symbolic link below the
 * tree's root, the last part included. A path outside every guarded tree is not checked, nor
 * the root itself (the user may reach the data dir through a link of their own). Cheap: one
 * lstat per part below the root, up to the first that does not exist.
 */
export function assertNoLink(path: string): void {
  const tree = treeOf(path);
  if (!tree) return;
  const link = firstLink(tree.root, path);
  if (link) throw linkRefusal(path, link);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/** Is `name` a temp file of writeFileAtomic (left behind when a writer was killed mid-write)? */
export const isAtomicTemp = (name: string) => /^\..+\.\d+\.tmp$/.test(name);

function tempPathFor(path: string): string {
  const i = path.lastIndexOf("/");
  const rand = crypto.getRandomValues(new Uint32Array(2)).join("");
  return `${path.slice(0, i + 1)}.${path.slice(i + 1)}.${rand}.tmp`;
}

/** Turn an OS error on `path` into a one-line looop error that says how to fix it. */
export function fsError(e: unknown, action: string, path: string): unknown {
  if (e instanceof Deno.errors.NotCapable) return e; // looop's own permission set lacks it: main.ts says so
  if (e instanceof Deno.errors.PermissionDenied) {
    return new LooopError(
      `cannot ${action} ${path}: permission denied`,
      "fix the permissions of the data dir or point LOOOP_DATA_DIR at a writable dir",
    );
  }
  if (e instanceof Error && /read-only file system/i.test(e.message)) {
    return new LooopError(`cannot ${action} ${path}: read-only file system`, "point LOOOP_DATA_DIR at a writable dir");
  }
  if (e instanceof Deno.errors.NotADirectory) {
    return new LooopError(
      `cannot ${action} ${path}: part of the path is a file, not a directory`,
      "point LOOOP_DATA_DIR at a directory you can write, or move that file away",
    );
  }
  if (e instanceof Deno.errors.IsADirectory) {
    return new LooopError(`cannot ${action} ${path}: it is a directory`, "move that directory away");
  }
  return e;
}

async function writeTemp(path: string, data: string | Uint8Array, mode: number, durable = true): Promise<string> {
  assertNoLink(path);
  const tmp = tempPathFor(path);
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true, mode });
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    if (durable) await file.sync();
    file.close();
    file = undefined;
    await Deno.chmod(tmp, mode); // the umask may have narrowed it
    return tmp;
  } catch (e) {
    file?.close();
    await Deno.remove(tmp).catch(() => {});
    throw fsError(e, "write", path);
  }
}

/**
 * Replace `path` atomically with `data`. `durable: false` skips the fsync, for scratch files
 * (snapshots) that the next beat rewrites anyway: still never torn, just maybe older after a crash.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
  opts: { durable?: boolean } = {},
): Promise<void> {
  const tmp = await writeTemp(path, data, mode, opts.durable ?? true);
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw fsError(e, "write", path);
  }
}

/** Create `path` with `data` only if it does not exist (atomic and exclusive). False when it exists. */
export async function createExclusive(path: string, data: string, mode = 0o644): Promise<boolean> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await Deno.link(tmp, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw fsError(e, "create", path);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** Append whole lines in one write call (O_APPEND), so concurrent appenders never interleave within a line. */
export async function appendLines(path: string, text: string, mode = 0o644): Promise<void> {
  if (!text.endsWith("\n")) text += "\n";
  const bytes = enc.encode(text);
  assertNoLink(path);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { append: true, create: true, mode });
    const n = await file.write(bytes);
    if (n !== bytes.length) throw new Error(`short append to ${path} (${n} of ${bytes.length} bytes)`);
    await file.syncData();
  } catch (e) {
    throw fsError(e, "append to", path);
  } finally {
    file?.close();
  }
}

// Reads and listings use the sync calls: a CLI verb does nothing else meanwhile, and an async
// call per file or per directory entry costs several times more (measured in bench/state_bench.ts).
export function readTextIfExists(path: string): Promise<string | undefined> {
  return Promise.resolve(readTextSyncIfExists(path));
}

function readTextSyncIfExists(path: string): string | undefined {
  assertNoLink(path);
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw fsError(e, "read", path);
  }
}

/** A JSON file as found: missing, there but not JSON (torn, hand-edited), or its value. */
export type JsonRead = { kind: "absent" } | { kind: "corrupt"; error: string } | { kind: "parsed"; value: unknown };

export async function readJson(path: string): Promise<JsonRead> {
  const text = await readTextIfExists(path);
  if (text === undefined) return { kind: "absent" };
  try {
    return { kind: "parsed", value: JSON.parse(text) };
  } catch (e) {
    return { kind: "corrupt", error: e instanceof Error ? e.message : String(e) };
  }
}

/** The last `maxBytes` of a file (for journal tails), or "" when missing. */
export function readTail(path: string, maxBytes: number): Promise<string> {
  assertNoLink(path);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return Promise.resolve("");
    throw fsError(e, "read", path);
  }
  try {
    const size = file.statSync().size;
    const start = Math.max(0, size - maxBytes);
    file.seekSync(start, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - start);
    let off = 0;
    while (off < buf.length) {
      const n = file.readSync(buf.subarray(off));
      if (n === null) break;
      off += n;
    }
    return Promise.resolve(new TextDecoder().decode(buf.subarray(0, off)));
  } finally {
    file.close();
  }
}

/** A whole file's bytes (never through a link); empty when missing. */
export async function readBytesIfExists(path: string): Promise<Uint8Array> {
  assertNoLink(path);
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return new Uint8Array();
    throw fsError(e, "read", path);
  }
}

/** The first `maxBytes` bytes of a file (never through a link); empty when missing. */
export function readPrefix(path: string, maxBytes: number): Promise<Uint8Array> {
  assertNoLink(path);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return Promise.resolve(new Uint8Array());
    throw fsError(e, "read", path);
  }
  try {
    const buf = new Uint8Array(Math.min(maxBytes, Math.max(0, file.statSync().size) + 1));
    let off = 0;
    while (off < buf.length) {
      const n = file.readSync(buf.subarray(off));
      if (n === null) break;
      off += n;
    }
    return Promise.resolve(buf.subarray(0, off));
  } finally {
    file.close();
  }
}

/** Names of the entries of a dir (no dotfiles), sorted; [] when it does not exist. */
export function listNames(dir: string, suffix = ""): Promise<string[]> {
  return Promise.resolve(entryNames(dir, suffix, () => true));
}

/**
 * Names of the plain files of a dir (no dotfiles, folders or links), sorted; [] when it does not
 * exist. A link planted there is left out, so nothing that lists this way ever opens it.
 */
export function listFileNames(dir: string, suffix = ""): Promise<string[]> {
  return Promise.resolve(entryNames(dir, suffix, (e) => e.isFile && !e.isSymlink));
}

function entryNames(dir: string, suffix: string, which: (e: Deno.DirEntry) => boolean): string[] {
  const out: string[] = [];
  assertNoLink(dir);
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.startsWith(".") && e.name.endsWith(suffix) && which(e)) out.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw fsError(e, "list", dir);
  }
  return out.sort();
}

export function ensureDir(path: string, mode = 0o755): Promise<void> {
  assertNoLink(path);
  try {
    Deno.mkdirSync(path, { recursive: true, mode });
    return Promise.resolve();
  } catch (e) {
    // mkdir -p says "exists" when the path itself is a regular file (e.g. LOOOP_DATA_DIR names a file).
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new LooopError(
        `cannot create ${path}: a file is in the way, not a directory`,
        "point LOOOP_DATA_DIR at a directory you can write, or move that file away",
      );
    }
    throw fsError(e, "create", path);
  }
}

export function exists(path: string): Promise<boolean> {
  assertNoLink(path);
  try {
    Deno.lstatSync(path);
    return Promise.resolve(true);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return Promise.resolve(false);
    throw fsError(e, "read", path);
  }
}

export async function removeIfExists(path: string): Promise<void> {
  assertNoLink(path);
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw fsError(e, "remove", path);
  }
}

/**
 * Housekeeping: remove the plain files under `dir` last modified before `cutoffMs` (those for
 * which `which(name)` holds), then the folders left empty, when `deep`, all the way down. A
 * symbolic link found there is removed as an entry (unlink never touches what it points to) and
 * never followed. Returns the names removed at the top level. A missing dir holds nothing.
 */
export async function removeOlderThan(
  dir: string,
  cutoffMs: number,
  which: (name: string) => boolean = () => true,
  opts: { deep?: boolean } = {},
): Promise<string[]> {
  assertNoLink(dir);
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return removed;
    throw fsError(e, "list", dir);
  }
  for (const e of entries) {
    if (!which(e.name)) continue;
    const path = `${dir}/${e.name}`;
    const st = await Deno.lstat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory) {
      if (!opts.deep) continue;
      await removeOlderThan(path, cutoffMs, () => true, opts);
      // An empty folder goes when it is old itself (rmdir refuses one that is not empty).
      if (st.mtime && st.mtime.getTime() < cutoffMs) {
        await Deno.remove(path).then(() => removed.push(e.name), () => undefined);
      }
      continue;
    }
    if (!st.mtime || st.mtime.getTime() >= cutoffMs) continue;
    await Deno.remove(path).then(() => removed.push(e.name), () => undefined);
  }
  return removed;
}

/** Remove a folder and everything in it; links inside are removed as entries, never followed. */
export async function removeTree(path: string): Promise<void> {
  assertNoLink(path);
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw fsError(e, "remove", path);
  }
}

/** Open `path` for appending (created with `mode` if missing), refusing a link. */
export async function openAppend(path: string, mode = 0o600): Promise<Deno.FsFile> {
  assertNoLink(path);
  try {
    return await Deno.open(path, { append: true, create: true, mode });
  } catch (e) {
    throw fsError(e, "open", path);
  }
}

/** Open `path` for reading, refusing a link; undefined when it does not exist. */
/**
 * The bytes of `path` from `offset` on, at most `maxBytes` (a log read in steps as it grows);
 * empty when it has no more, undefined when it is missing.
 */
export async function readFrom(path: string, offset: number, maxBytes: number): Promise<Uint8Array | undefined> {
  assertNoLink(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw fsError(e, "read", path);
  }
  try {
    const size = (await file.stat()).size;
    if (size <= offset) return new Uint8Array();
    await file.seek(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(Math.min(size - offset, maxBytes));
    let n = 0;
    while (n < buf.length) {
      const r = await file.read(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    file.close();
  }
}

/** What is at `path` (not following a last link, refusing one on the way); undefined when nothing. */
export function statIfExists(path: string): Deno.FileInfo | undefined {
  assertNoLink(path);
  return lstatOrUndefined(path);
}

/** Move a file within one file system (atomic rename). */
export async function moveFile(from: string, to: string): Promise<void> {
  assertNoLink(from);
  assertNoLink(to);
  try {
    await Deno.rename(from, to);
  } catch (e) {
    throw fsError(e, "move", from);
  }
}

/**
 * Move `from` to `to` (one rename) unless `from` is gone: false when it is, so of several movers
 * racing for one file exactly one gets true. How a record is claimed for delivery exactly once.
 */
export async function moveIfThere(from: string, to: string): Promise<boolean> {
  assertNoLink(from);
  assertNoLink(to);
  try {
    await Deno.rename(from, to);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw fsError(e, "move", from);
  }
}

export { dirOf };

/** Where `path` really is (every link resolved), or undefined when it does not exist. */
export function realPathIfExists(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch {
    return undefined;
  }
}

/** The first of `paths` that exists and is owned by another user than this process's, with its uid. */
export function ownedByOther(paths: string[]): { path: string; uid: number; me: number } | undefined {
  let me: number | null;
  try {
    me = Deno.uid();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return undefined; // run without looop's flags: main.ts says so later
    throw e;
  }
  if (me === null) return undefined; // no uids here (Windows)
  for (const path of paths) {
    const st = lstatOrUndefined(path);
    if (st?.uid != null && st.uid !== me) return { path, uid: st.uid, me };
  }
  return undefined;
}

/**
 * An empty read-only (0444) file at `path` is what the sandbox library once left on the host as a
 * mount point for a path that did not exist yet: make it looop's own writable file again. True
 * when it did.
 */
export function repairPlaceholder(path: string, mode = 0o644): boolean {
  assertNoLink(path);
  const st = lstatOrUndefined(path);
  if (!st?.isFile || st.size !== 0 || ((st.mode ?? 0) & 0o777) !== 0o444) return false;
  Deno.chmodSync(path, mode);
  return true;
}

/**
 * Make `path` a real directory of looop's own in a place sandboxed code may write (scratch/):
 * whatever else is there (a planted link, a file) is removed as an entry, never followed.
 */
export async function ensureOwnDir(path: string, mode = 0o700): Promise<void> {
  assertNoLink(dirOf(path));
  const st = lstatOrUndefined(path);
  if (st && !st.isDirectory) await Deno.remove(path); // a link or a file: the entry itself goes
  if (!st?.isDirectory) {
    try {
      Deno.mkdirSync(path, { mode });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw fsError(e, "create", path);
    }
  }
}
