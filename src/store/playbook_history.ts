/**
 * playbook.d/: the PLAYBOOK's earlier versions, one file each, so a write that made it worse can be
 * undone. Each is named by when it was replaced, in UTC (`20261201T200646Z.md`; `-2`, `-3`… for
 * more in the same second); the newest `keep` are kept.
 */
import {
  createExclusive,
  ensureDir,
  listFileNames,
  readBytesIfExists,
  readTextIfExists,
  removeIfExists,
} from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

/** One kept version; `n` 1 is the newest (the one the current PLAYBOOK replaced). */
export type PlaybookVersion = { n: number; file: string; at: Date; bytes: number; text: string };

type Name = { file: string; stamp: string; seq: number };

const NAME = /^(\d{8}T\d{6}Z)(?:-([1-9]\d*))?\.md$/;

/** `d` in UTC, compact: 20261201T200646Z. */
export function utcStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function stampTime(stamp: string): Date {
  const m = stamp.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/)!;
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

function parseName(file: string): Name | undefined {
  const m = file.match(NAME);
  return m ? { file, stamp: m[1], seq: m[2] ? Number(m[2]) : 1 } : undefined;
}

// By name, not by file time: "-10" sorts after "-9", and a copy or a touch changes nothing.
const newestFirst = (a: Name, b: Name) => (a.stamp === b.stamp ? b.seq - a.seq : a.stamp < b.stamp ? 1 : -1);

/** The kept versions' names, newest first; files of other names in playbook.d/ are not looop's. */
async function keptNames(dd: DataDir): Promise<Name[]> {
  const names = (await listFileNames(dd.playbookHistoryDir, ".md")).map(parseName);
  return names.filter((n) => n !== undefined).sort(newestFirst);
}

/** The kept versions, newest first, numbered from 1. */
export async function playbookHistory(dd: DataDir): Promise<PlaybookVersion[]> {
  const out: PlaybookVersion[] = [];
  for (const [i, name] of (await keptNames(dd)).entries()) {
    const bytes = await readBytesIfExists(`${dd.playbookHistoryDir}/${name.file}`);
    out.push({
      n: i + 1,
      file: name.file,
      at: stampTime(name.stamp),
      bytes: bytes.length,
      text: new TextDecoder().decode(bytes),
    });
  }
  return out;
}

/**
 * Before PLAYBOOK.md becomes `next`: keep what it says now (unless it is missing or already says
 * `next`), then prune to the newest `keep`. Returns the kept file's name, if one was written.
 */
export async function keepPreviousPlaybook(
  dd: DataDir,
  next: string,
  now: Date,
  keep: number,
): Promise<string | undefined> {
  const current = await readTextIfExists(dd.playbook);
  let kept: string | undefined;
  if (keep > 0 && current !== undefined && current !== next) kept = await keepVersion(dd, current, now);
  await prunePlaybookHistory(dd, keep);
  return kept;
}

/**
 * Write `text` as the newest version: named after `now`, but never older than the newest kept (a
 * clock set back would have it pruned first), and never over a file already there.
 */
async function keepVersion(dd: DataDir, text: string, now: Date): Promise<string> {
  await ensureDir(dd.playbookHistoryDir); // refuses a link planted in its place (sys/fs.ts)
  const newest = (await keptNames(dd))[0];
  let stamp = utcStamp(now);
  let seq = 1;
  if (newest && newest.stamp >= stamp) [stamp, seq] = [newest.stamp, newest.seq + 1];
  while (true) {
    const file = seq === 1 ? `${stamp}.md` : `${stamp}-${seq}.md`;
    if (await createExclusive(`${dd.playbookHistoryDir}/${file}`, text)) return file;
    seq++; // another writer took that name meanwhile (a link planted there is refused, not followed)
  }
}

/** Remove all but the newest `keep` versions. */
export async function prunePlaybookHistory(dd: DataDir, keep: number): Promise<void> {
  for (const old of (await keptNames(dd)).slice(Math.max(0, keep))) {
    await removeIfExists(`${dd.playbookHistoryDir}/${old.file}`);
  }
}
