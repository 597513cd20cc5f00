/**
 * sessions/<id>/tells/: what humans told a worker (`_ tell`), one record per tell, named so that
 * names sort by time. A tell is pending while its record sits in tells/. Delivering it (with an
 * answer, by `_ told`, or typed in by the host) first moves the record into tells/delivered/: one
 * rename, so of deliverers racing for a tell exactly one delivers it; then marks how and when.
 * Only looop writes here: sandboxed code sees sessions/ as an empty view (store/sandbox_policy.ts).
 */
import { LooopError } from "../core/errors.ts";
import type { Tell, TellHow } from "../core/schemas.ts";
import { createExclusive, ensureDir, exists, listNames, moveIfThere, writeFileAtomic } from "../sys/fs.ts";
import { isLockInUse, lockShared } from "../sys/lock.ts";
import { selfPid } from "../sys/process.ts";
import type { DataDir } from "./layout.ts";
import { checked, readStateFile, type Schema } from "./read.ts";
import { sessionFiles } from "./sessions.ts";

/** How long a pending tell waits for `_ ask` or `_ told` before the host types it in (LOOOP_TELL_GRACE_S). */
export const TELL_GRACE_S = 60;

/** The grace in ms from LOOOP_TELL_GRACE_S's text: seconds ≥ 0, else undefined (not a grace). */
export function tellGraceMs(text: string | undefined): number | undefined {
  if (text === undefined) return TELL_GRACE_S * 1000;
  const s = Number(text);
  return text.trim() !== "" && Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** The host's check (it never loads zod); `_ told` and `_ ask` read against TellSchema (core/schemas.ts). */
const TELL = checked(
  "a tell record",
  (v): v is Tell =>
    isObject(v) && typeof v.id === "string" && typeof v.session === "string" && typeof v.text === "string" &&
    typeof v.ts === "string" && Number.isFinite(Date.parse(v.ts)) &&
    (v.grace_s === undefined || (typeof v.grace_s === "number" && v.grace_s >= 0)),
);

let seq = 0;
/** `<ms since the epoch, 15 digits>-<pid>-<seq>`: one process's tells in the same ms still sort in order. */
const tellId = (now: Date) =>
  `${String(now.getTime()).padStart(15, "0")}-${selfPid()}-${String(seq++).padStart(4, "0")}`;

/** Keep `text` for worker `session` (its session dir exists: the caller checked it is live). */
export async function recordTell(
  dd: DataDir,
  session: string,
  text: string,
  now: Date,
  graceS?: number,
): Promise<Tell> {
  const f = sessionFiles(dd, session);
  await ensureDir(f.tells, 0o700);
  while (true) {
    const tell: Tell = {
      id: tellId(now),
      session,
      text,
      ts: now.toISOString(),
      ...(graceS === undefined ? {} : { grace_s: graceS }),
    };
    if (await createExclusive(`${f.tells}/${tell.id}.json`, JSON.stringify(tell, null, 2) + "\n", 0o600)) return tell;
  }
}

export type PendingTells = {
  /** oldest first */
  tells: Tell[];
  /** what sits in tells/ but is no tell record of this session: never read through, never delivered */
  skipped: { name: string; why: string }[];
};

/** The pending tells of `session`, oldest first; a session that never had one has none. */
export async function pendingTells(dd: DataDir, session: string, schema: Schema<Tell> = TELL): Promise<PendingTells> {
  const f = sessionFiles(dd, session);
  const out: PendingTells = { tells: [], skipped: [] };
  for (const name of await listNames(f.tells)) {
    if (name === "delivered") continue;
    if (!name.endsWith(".json")) {
      out.skipped.push({ name, why: "not a tell record (a tell is <id>.json)" });
      continue;
    }
    try {
      const r = await readStateFile(`${f.tells}/${name}`, schema);
      if (r.kind === "absent") continue; // delivered meanwhile
      if (r.kind === "corrupt") out.skipped.push({ name, why: `not a tell record (${r.error})` });
      else if (r.value.id !== name.slice(0, -5) || r.value.session !== session) {
        out.skipped.push({ name, why: `its record names another tell (${r.value.session}/${r.value.id})` });
      } else out.tells.push(r.value);
    } catch (e) {
      // A link (never followed) or a folder where a record should be.
      out.skipped.push({ name, why: e instanceof LooopError ? e.what : String(e) });
    }
  }
  return out;
}

/** Deliver `tell`: it is ours (moved into delivered/, marked) unless another deliverer got it first. */
export async function claimTell(dd: DataDir, tell: Tell, how: TellHow, now: Date): Promise<Tell | undefined> {
  const f = sessionFiles(dd, tell.session);
  await ensureDir(f.tellsDelivered, 0o700);
  const done = `${f.tellsDelivered}/${tell.id}.json`;
  if (!(await moveIfThere(`${f.tells}/${tell.id}.json`, done))) return undefined;
  const marked: Tell = { ...tell, delivered: { how, ts: now.toISOString() } };
  await writeFileAtomic(done, JSON.stringify(marked, null, 2) + "\n", 0o600);
  return marked;
}

/** Deliver every pending tell of `session`, oldest first: those this caller got, and what it skipped. */
export async function takeTells(
  dd: DataDir,
  session: string,
  how: TellHow,
  now: Date,
  schema: Schema<Tell> = TELL,
): Promise<PendingTells> {
  const pending = await pendingTells(dd, session, schema);
  const tells: Tell[] = [];
  for (const t of pending.tells) {
    const got = await claimTell(dd, t, how, now);
    if (got) tells.push(got);
  }
  return { tells, skipped: pending.skipped };
}

/**
 * Run `fn` (a `_ ask` waiting for its answer) as a visible asker of `session`: a shared lock, so
 * the host holds the worker's tells back for the answer. Outside a session (no session dir) just `fn`.
 */
export async function whileAsking<T>(dd: DataDir, session: string, fn: () => Promise<T>): Promise<T> {
  const f = sessionFiles(dd, session);
  if (!(await exists(f.dir))) return await fn();
  const lock = await lockShared(f.asking);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Is a `_ ask` of `session` waiting now? */
export function isAsking(dd: DataDir, session: string): Promise<boolean> {
  return isLockInUse(sessionFiles(dd, session).asking);
}
