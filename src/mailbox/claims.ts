/**
 * Claims: exclusive leases on shared resources (SPEC §9). Every change happens under the claims
 * lock, so a take-over of a dead holder's claim cannot race another claimant.
 */
import { Exit, LooopError } from "../core/errors.ts";
import { safeId } from "../core/ids.ts";
import { type Claim, ClaimSchema } from "../core/schemas.ts";
import { removeIfExists, writeFileAtomic } from "../sys/fs.ts";
import { withLock } from "../sys/lock.ts";
import { listClaims, readClaim } from "../store/claims.ts";
import type { DataDir } from "../store/layout.ts";
import { isSessionAlive } from "../store/sessions.ts";

export type ClaimOutcome =
  | { kind: "claimed" }
  | { kind: "already-yours" }
  | { kind: "taken-over"; from: string };

/**
 * The claim `name` as recorded, or undefined; one that does not parse names no holder, so nobody
 * may take or release it until a human looks (fail safe: it may be held).
 */
async function heldClaim(dd: DataDir, name: string): Promise<Claim | undefined> {
  const r = await readClaim(dd, name, ClaimSchema);
  if (r.kind === "corrupt") {
    throw new LooopError(
      `${dd.claim(name)} does not parse (${r.error}): nobody can tell who holds '${name}'`,
      `remove the file if no session holds the resource, then claim it again`,
      Exit.refused,
    );
  }
  return r.kind === "parsed" ? r.value : undefined;
}

export async function claim(dd: DataDir, name: string, session: string, now: Date): Promise<ClaimOutcome> {
  safeId("claim", name);
  safeId("session", session);
  return await withLock(dd.claimsLock, async () => {
    const held = await heldClaim(dd, name);
    if (held?.session === session) return { kind: "already-yours" } as const;
    if (held && await isSessionAlive(dd, held.session)) {
      throw new LooopError(
        `'${name}' is claimed by live session ${held.session} (since ${held.ts})`,
        "do not proceed; wait for it to be released or work on something else",
        Exit.refused,
      );
    }
    const record: Claim = { session, name, ts: now.toISOString() };
    await writeFileAtomic(dd.claim(name), JSON.stringify(record) + "\n");
    return held ? { kind: "taken-over", from: held.session } as const : { kind: "claimed" } as const;
  });
}

export async function unclaim(dd: DataDir, name: string, session: string): Promise<"released" | "not-held"> {
  safeId("claim", name);
  safeId("session", session);
  return await withLock(dd.claimsLock, async () => {
    const held = await heldClaim(dd, name);
    if (!held) return "not-held";
    if (held.session !== session) {
      throw new LooopError(
        `'${name}' is claimed by ${held.session}, not ${session}`,
        "only the holder releases a claim (a dead holder's claim is reaped by the pulse)",
        Exit.refused,
      );
    }
    await removeIfExists(dd.claim(name));
    return "released";
  });
}

/** Remove every claim whose holder session is not alive; returns the reaped claims. */
export async function reapStaleClaims(dd: DataDir): Promise<Claim[]> {
  return await withLock(dd.claimsLock, async () => {
    const reaped: Claim[] = [];
    for (const c of await listClaims(dd, ClaimSchema)) {
      if (!(await isSessionAlive(dd, c.session))) {
        await removeIfExists(dd.claim(c.name));
        reaped.push(c);
      }
    }
    return reaped;
  });
}
