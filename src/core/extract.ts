/**
 * The move inside a runner's final answer (SPEC §5 step 7): exactly one JSON object, fenced or
 * bare; prose around it is ignored; none, or more than one, fails the decide.
 */

/** The longest answer looked at: a move is at most max_body_bytes (256 KiB) and some prose. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** How deep braces may nest: a move nests two levels; a 50k-deep answer overflowed the stack. */
export const MAX_DEPTH = 64;

/**
 * Every top-level JSON object embedded in `text`, in order, in one pass: each `{` is matched to
 * its `}` with a stack (braces inside strings do not count), then the matched ones are parsed
 * outermost first. An object that does not parse is skipped and the braces inside it are tried.
 * Undefined when braces nest deeper than MAX_DEPTH.
 */
export function jsonObjectsIn(text: string): Record<string, unknown>[] | undefined {
  const first = text.indexOf("{");
  if (first < 0) return [];
  const closeOf = new Map<number, number>();
  const open: number[] = [];
  let inString = false;
  for (let j = first; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === "\\") j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") {
      open.push(j);
      if (open.length > MAX_DEPTH) return undefined;
    } else if (c === "}" && open.length) closeOf.set(open.pop()!, j);
  }
  const found: Record<string, unknown>[] = [];
  let after = -1; // the end of the last object found: what lies inside it is part of it
  for (const [start, end] of [...closeOf].sort(([a], [b]) => a - b)) {
    if (start <= after) continue;
    try {
      const v = JSON.parse(text.slice(start, end + 1));
      if (v && typeof v === "object" && !Array.isArray(v)) {
        found.push(v);
        after = end;
      }
    } catch { /* not JSON: the braces inside may hold one */ }
  }
  return found;
}

export type Extracted = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

export function extractOneObject(text: string): Extracted {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_ANSWER_BYTES) {
    return {
      ok: false,
      reason: `the answer is ${bytes} bytes, over the cap of ${MAX_ANSWER_BYTES}; a move is one object`,
    };
  }
  const objects = jsonObjectsIn(text);
  if (objects === undefined) {
    return { ok: false, reason: `the answer nests braces deeper than ${MAX_DEPTH} levels; a move is one flat object` };
  }
  if (objects.length === 1) return { ok: true, value: objects[0] };
  if (objects.length === 0) {
    const shown = text.trim().slice(0, 120);
    return { ok: false, reason: `no JSON object in the answer${shown ? `: ${JSON.stringify(shown)}` : " (empty)"}` };
  }
  return { ok: false, reason: `${objects.length} JSON objects in the answer; exactly one move is needed` };
}
