/**
 * A runner's event stream → its final answer, its cost and its failure (SPEC §9, notes/runners.md).
 * pi: each assistant `message_end` carries usage.cost.total (summed) and a stopReason that may be
 * "error" although pi exits 0; claude: the final `result` event (result, is_error, total_cost_usd);
 * codex: `item.completed` agent messages and token counts (priced from config's `prices`, by model
 * name when the stream names one, else by runner name); opencode: `text`
 * parts and `step_finish` costs. A custom runner declares {type, pointer, mode}. A stream with no
 * JSON events is a plain-text answer.
 */
import type { CostSpec } from "./presets.ts";

export type StreamSummary = {
  finalText: string | undefined;
  /** undefined when the stream reported no cost (an unmetered decide) */
  costUsd: number | undefined;
  tokens: { input: number; output: number } | undefined;
  /** the model the stream names (pi's assistant messages, claude's init, any event's `model`) */
  model: string | undefined;
  error: string | undefined;
  events: number;
};

/** RFC 6901 JSON pointer lookup. */
export function pointerGet(value: unknown, pointer: string): unknown {
  if (pointer === "") return value;
  let node = value;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

type Ev = Record<string, unknown> & { type?: unknown };
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const textOf = (content: unknown): string =>
  Array.isArray(content)
    ? content.filter((p) => p && p.type === "text" && typeof p.text === "string").map((p) => p.text).join("")
    : typeof content === "string"
    ? content
    : "";

export type Prices = { input: number; output: number }; // USD per million tokens
/** config.json's `prices`: by model name, by runner name, or `default`. */
export type PriceTable = Record<string, Prices>;

/** The prices for tokens of `model` (as the stream names it), else the runner's, else `default`. */
export function pricesFor(table: PriceTable, o: { model?: string; runner: string }): Prices | undefined {
  const own = (k: string | undefined) => (k !== undefined && Object.hasOwn(table, k) ? table[k] : undefined);
  return own(o.model) ?? own(o.runner) ?? own("default");
}

/**
 * `prices`: the table and the runner's name; token counts are priced by the model the stream
 * names, if the table has it, else by the runner's name, else by `default`.
 */
export function summarizeStream(
  stdout: string,
  opts: { cost?: CostSpec; prices?: { table: PriceTable; runner: string } } = {},
): StreamSummary {
  const events: Ev[] = [];
  for (const line of stdout.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const v = JSON.parse(t);
      // Only a typed object is an event: a bare move on its own line is a plain-text answer.
      if (v && typeof v === "object" && !Array.isArray(v) && typeof v.type === "string") events.push(v);
    } catch { /* a torn or non-JSON line */ }
  }
  if (events.length === 0) {
    return { finalText: stdout, costUsd: undefined, tokens: undefined, model: undefined, error: undefined, events: 0 };
  }
  let finalText: string | undefined;
  let error: string | undefined;
  let piCost: number | undefined;
  let claudeCost: number | undefined;
  let openCost: number | undefined;
  let tokens: { input: number; output: number } | undefined;
  let stepText = "";
  let model: string | undefined;
  for (const ev of events) {
    const named = [ev.model, (ev.message as Record<string, unknown> | undefined)?.model]
      .find((m): m is string => typeof m === "string" && m.length > 0);
    if (named) model = named;
    switch (ev.type) {
      case "message_end": { // pi
        const m = ev.message as Record<string, unknown> | undefined;
        if (m?.role !== "assistant") break;
        finalText = textOf(m.content);
        const c = num(pointerGet(m, "/usage/cost/total"));
        if (c !== undefined) piCost = (piCost ?? 0) + c;
        if (m.stopReason === "error") error = String(m.errorMessage ?? "the model call failed");
        else if (m.stopReason !== undefined) error = undefined;
        break;
      }
      case "result": { // claude
        if (typeof ev.result === "string") finalText = ev.result;
        claudeCost = num(ev.total_cost_usd) ?? claudeCost;
        if (ev.is_error === true) error = String(ev.result || ev.subtype || "the runner reported an error");
        break;
      }
      case "item.completed": { // codex
        const item = ev.item as Record<string, unknown> | undefined;
        if (item?.type === "agent_message" && typeof item.text === "string") finalText = item.text;
        break;
      }
      case "turn.completed": { // codex
        const u = ev.usage as Record<string, unknown> | undefined;
        const input = num(u?.input_tokens) ?? 0;
        const output = num(u?.output_tokens) ?? 0;
        tokens = { input: (tokens?.input ?? 0) + input, output: (tokens?.output ?? 0) + output };
        error = undefined; // a turn that completed recovered from earlier "Reconnecting…" errors
        break;
      }
      case "turn.failed":
      case "error": { // codex; opencode's is {error: {name, data: {message}}}
        const e = ev.error as Record<string, unknown> | undefined;
        const data = e?.data as Record<string, unknown> | undefined;
        error = String(e?.message ?? data?.message ?? ev.message ?? e?.name ?? "the runner reported an error");
        break;
      }
      case "step_start": // opencode
        stepText = "";
        break;
      case "text": { // opencode
        const part = ev.part as Record<string, unknown> | undefined;
        if (typeof part?.text === "string") {
          stepText += part.text;
          finalText = stepText;
        }
        break;
      }
      case "step_finish": { // opencode: every request is a step, each with its cost and tokens
        const c = num(pointerGet(ev, "/part/cost"));
        if (c !== undefined) openCost = (openCost ?? 0) + c;
        const input = num(pointerGet(ev, "/part/tokens/input"));
        const output = num(pointerGet(ev, "/part/tokens/output"));
        if (input !== undefined || output !== undefined) {
          tokens = { input: (tokens?.input ?? 0) + (input ?? 0), output: (tokens?.output ?? 0) + (output ?? 0) };
        }
        break;
      }
    }
  }
  let costUsd: number | undefined;
  if (opts.cost) {
    const values = events.filter((e) => e.type === opts.cost!.type).map((e) => num(pointerGet(e, opts.cost!.pointer)))
      .filter((v): v is number => v !== undefined);
    if (values.length) {
      costUsd = opts.cost.mode === "sum" ? values.reduce((a, b) => a + b, 0) : values[values.length - 1];
    }
  } else {
    // opencode says 0 for a model it has no price for: tokens spent at no known price are unmetered.
    const openPriced = openCost === 0 && (tokens?.input || tokens?.output) ? undefined : openCost;
    costUsd = piCost ?? claudeCost ?? openPriced;
  }
  const prices = opts.prices && pricesFor(opts.prices.table, { model, runner: opts.prices.runner });
  if (costUsd === undefined && tokens && prices) {
    costUsd = (tokens.input * prices.input + tokens.output * prices.output) / 1e6;
  }
  return { finalText, costUsd, tokens, model, error, events: events.length };
}
