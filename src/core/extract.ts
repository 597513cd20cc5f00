/**
 * The move inside a runner's final answer (SPEC §5 step 7): exactly one JSON object, fenced or
 * bare; prose around it is ignored; none, or more than one, fails the decide.
 */

/** Every top-level JSON object embedded in `text`, in order. */
export function jsonObjectsIn(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf("{", i);
    if (start < 0) break;
    const end = matchingBrace(text, start);
    if (end > 0) {
      try {
        const v = JSON.parse(text.slice(start, end + 1));
        if (v && typeof v === "object" && !Array.isArray(v)) {
          found.push(v);
          i = end + 1;
          continue;
        }
      } catch { /* not JSON: keep scanning after this brace */ }
    }
    i = start + 1;
  }
  return found;
}

/** Index of the brace closing the one at `start`, skipping strings; -1 when unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let j = start; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === "\\") j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return j;
  }
  return -1;
}

export type Extracted = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

export function extractOneObject(text: string): Extracted {
  const objects = jsonObjectsIn(text);
  if (objects.length === 1) return { ok: true, value: objects[0] };
  if (objects.length === 0) {
    const shown = text.trim().slice(0, 120);
    return { ok: false, reason: `no JSON object in the answer${shown ? `: ${JSON.stringify(shown)}` : " (empty)"}` };
  }
  return { ok: false, reason: `${objects.length} JSON objects in the answer; exactly one move is needed` };
}
