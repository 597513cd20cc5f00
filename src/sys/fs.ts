/**
 * Files, written so that a kill -9 at any line leaves either the old or the new content:
 * temp file in the same dir, fsync, rename. Appends are one write of whole lines.
 */
import { LooopError } from "../core/errors.ts";

const enc = new TextEncoder();

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
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw fsError(e, "read", path);
  }
}

/** Parse a JSON file; undefined when it is missing or not JSON (a half-written file cannot exist). */
export async function readJsonIfExists(path: string): Promise<unknown> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The last `maxBytes` of a file (for journal tails), or "" when missing. */
export function readTail(path: string, maxBytes: number): Promise<string> {
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

/** Names of the entries of a dir (no dotfiles), sorted; [] when it does not exist. */
export function listNames(dir: string, suffix = ""): Promise<string[]> {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.startsWith(".") && e.name.endsWith(suffix)) out.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return Promise.resolve([]);
    throw fsError(e, "list", dir);
  }
  return Promise.resolve(out.sort());
}

export function ensureDir(path: string, mode = 0o755): Promise<void> {
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
  try {
    Deno.lstatSync(path);
    return Promise.resolve(true);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return Promise.resolve(false);
    throw fsError(e, "read", path);
  }
}

export async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw fsError(e, "remove", path);
  }
}

/**
 * Remove what `dir` holds that was last modified before `cutoffMs` (files, and directories
 * with everything in them); returns the names removed. A missing dir holds nothing.
 */
export async function removeOlderThan(
  dir: string,
  cutoffMs: number,
  which: (name: string) => boolean = () => true,
): Promise<string[]> {
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
    if (!st?.mtime || st.mtime.getTime() >= cutoffMs) continue;
    await Deno.remove(path, { recursive: true }).then(() => removed.push(e.name), () => undefined);
  }
  return removed;
}

/** Move a file within one file system (atomic rename). */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (e) {
    throw fsError(e, "move", from);
  }
}

export { dirOf };
