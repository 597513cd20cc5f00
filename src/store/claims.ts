/** claims/<name>.json: leases `{session, name, ts}` on shared resources. */
import type { Claim } from "../core/schemas.ts";
import { listNames } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";
import { checked, readStateFile, type Schema, type StateRead } from "./read.ts";

const CLAIM = checked(
  "a claim",
  (v): v is Claim => {
    const c = v as Claim;
    return !!c && typeof c === "object" && typeof c.session === "string" && typeof c.name === "string" &&
      typeof c.ts === "string";
  },
);

/** A claim as recorded; the mailbox, which acts on it, passes ClaimSchema; `_ state` the hand check. */
export function readClaim(dd: DataDir, name: string, schema: Schema<Claim> = CLAIM): Promise<StateRead<Claim>> {
  return readStateFile(dd.claim(name), schema);
}

/** Every claim that parses (a corrupt one holds its resource, but names no holder to show or reap). */
export async function listClaims(dd: DataDir, schema: Schema<Claim> = CLAIM): Promise<Claim[]> {
  const names = (await listNames(dd.claimsDir, ".json")).map((n) => n.slice(0, -5));
  const claims = await Promise.all(names.map((n) => readClaim(dd, n, schema)));
  return claims.flatMap((c) => c.kind === "parsed" ? [c.value] : []);
}
