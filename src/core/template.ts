/** Filling the `{{name}}` slots of a text asset (texts/): values in, text out. */

/**
 * `text` with every `{{name}}` of `values` replaced. A value whose slot the text lacks is a
 * mistake in looop itself (an asset and its filler drifted apart), so it throws.
 */
export function fillTemplate(text: string, values: Record<string, string | number>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const slot = `{{${name}}}`;
    if (!out.includes(slot)) throw new Error(`the text has no slot ${slot}`);
    out = out.replaceAll(slot, String(value));
  }
  return out;
}
