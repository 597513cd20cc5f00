/**
 * The world hash (SPEC §5 step 3): PLAYBOOK.md and every goal whole, and from each snapshot only
 * its `signal` (the whole reading when it has none), with object keys sorted. `detail` never counts.
 */

/** JSON with object keys sorted at every depth, so equal values always serialize equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** The part of a reading that wakes the loop. */
export function signalOf(reading: unknown): unknown {
  if (reading && typeof reading === "object" && !Array.isArray(reading) && "signal" in reading) {
    return (reading as { signal: unknown }).signal;
  }
  return reading;
}

export type WorldInputs = {
  playbook: string;
  /** goal id → file text */
  goals: Record<string, string>;
  /** snapshot name (file name without .json) → parsed reading */
  readings: Record<string, unknown>;
};

export function worldText(w: WorldInputs): string {
  const signals: Record<string, unknown> = {};
  for (const [name, reading] of Object.entries(w.readings)) signals[name] = signalOf(reading);
  return canonicalJson({ playbook: w.playbook, goals: w.goals, signals });
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function worldHash(w: WorldInputs): Promise<string> {
  return sha256Hex(worldText(w));
}
