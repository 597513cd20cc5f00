/** WHAT CHANGED (SPEC §6): the signal keys that moved since the last decide, as short lines. */
import type { z } from "zod";
import type { WorldViewSchema } from "./schemas.ts";
import { canonicalJson, signalOf } from "./world.ts";

/** Leaf paths of a value: `a.b[0]` → canonical JSON of the leaf. Empty objects/arrays are leaves. */
function flatten(value: unknown, prefix: string, out: Map<string, string>) {
  if (value && typeof value === "object" && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) {
      flatten(v, Array.isArray(value) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k, out);
    }
  } else out.set(prefix, canonicalJson(value));
}

const short = (s: string | undefined) => (s === undefined ? "∅" : s.length > 60 ? s.slice(0, 57) + "…" : s);

export type WorldView = z.infer<typeof WorldViewSchema>;

export function viewOf(
  w: { playbook: string; goals: Record<string, string>; readings: Record<string, unknown> },
): WorldView {
  const signals: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(w.readings)) signals[k] = signalOf(r);
  return { signals, goals: w.goals, playbook: w.playbook };
}

/** Lines such as `sensor-prs: open_prs 3 → 4`, `goal ship-docs: edited`, at most `max`. */
export function whatChanged(before: WorldView | undefined, after: WorldView, max = 30): string[] {
  if (!before) return ["first decide: everything is new"];
  const lines: string[] = [];
  if (before.playbook !== after.playbook) lines.push("PLAYBOOK.md: edited");
  for (const id of new Set([...Object.keys(before.goals), ...Object.keys(after.goals)])) {
    const a = before.goals[id], b = after.goals[id];
    if (a === undefined) lines.push(`goal ${id}: new`);
    else if (b === undefined) lines.push(`goal ${id}: gone (archived or deleted)`);
    else if (a !== b) lines.push(`goal ${id}: edited`);
  }
  for (const name of new Set([...Object.keys(before.signals), ...Object.keys(after.signals)].sort())) {
    if (!(name in before.signals)) {
      lines.push(`${name}: new reading ${short(canonicalJson(after.signals[name]))}`);
      continue;
    }
    if (!(name in after.signals)) {
      lines.push(`${name}: reading gone`);
      continue;
    }
    const a = new Map<string, string>(), b = new Map<string, string>();
    flatten(before.signals[name], "", a);
    flatten(after.signals[name], "", b);
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(key) !== b.get(key)) {
        lines.push(`${name}: ${key || "(value)"} ${short(a.get(key))} → ${short(b.get(key))}`);
      }
    }
  }
  if (lines.length > max) return [...lines.slice(0, max), `… and ${lines.length - max} more`];
  return lines;
}
