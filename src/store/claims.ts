/** claims/<name>.json: leases `{session, name, ts}` on shared resources. */
import type { Claim } from "../core/schemas.ts";
import { listNames, readJsonIfExists } from "../sys/fs.ts";
import type { DataDir } from "./layout.ts";

export async function readClaim(dd: DataDir, name: string): Promise<Claim | undefined> {
  const v = await readJsonIfExists(dd.claim(name)) as Claim | undefined;
  return v && typeof v.session === "string" && typeof v.name === "string" ? v : undefined;
}

export async function listClaims(dd: DataDir): Promise<Claim[]> {
  const names = (await listNames(dd.claimsDir, ".json")).map((n) => n.slice(0, -5));
  const claims = await Promise.all(names.map((n) => readClaim(dd, n)));
  return claims.filter((c): c is Claim => c !== undefined);
}
