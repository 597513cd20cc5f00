/**
 * A runner's event stream → final answer, cost and failure (SPEC §9, src/core/stream.ts), for each
 * runner's documented shape: pi, claude, codex, opencode, a custom cost spec, plain text.
 */
import { assertEquals } from "../assert.ts";
import { summarizeStream } from "../../src/core/stream.ts";
import { RUNNER_PRESETS } from "../../src/core/presets.ts";

const lines = (...events: unknown[]) => events.map((e) => JSON.stringify(e)).join("\n") + "\n";

const piAssistant = (text: string, total: number | undefined, stopReason = "stop", extra = {}) => ({
  type: "message_end",
  message: {
    role: "assistant",
    content: [{ type: "text", text }],
    usage: { input: 10, output: 5, ...(total === undefined ? {} : { cost: { total } }) },
    stopReason,
    ...extra,
  },
});

Deno.test("stream: pi sums usage.cost.total over every assistant message_end; the last text is the answer", () => {
  const stream = lines(
    { type: "session", version: 3, id: "s" },
    { type: "agent_start" },
    { type: "message_end", message: { role: "user", content: [{ type: "text", text: "(prompt)" }] } },
    piAssistant("let me look", 0.25, "toolUse"),
    { type: "tool_execution_end", toolName: "bash" },
    piAssistant('{"action":"noop","reason":"x"}', 0.5),
    { type: "agent_end", messages: [] },
  );
  for (const cost of [undefined, RUNNER_PRESETS.pi.cost]) {
    const s = summarizeStream(stream, { cost });
    assertEquals([s.finalText, s.costUsd, s.error], ['{"action":"noop","reason":"x"}', 0.75, undefined]);
  }
  assertEquals(summarizeStream(lines(piAssistant("hi", undefined))).costUsd, undefined, "no cost: unmetered");
});

Deno.test('stream: pi stopReason "error" is an error although the stream is a normal one', () => {
  const s = summarizeStream(lines(
    { type: "agent_start" },
    piAssistant('{"action":"noop","reason":"x"}', 0.002, "error", { errorMessage: "529 overloaded" }),
    { type: "agent_end", messages: [] },
  ));
  assertEquals([s.error, s.costUsd], ["529 overloaded", 0.002]);
  const noMessage = summarizeStream(lines(piAssistant("", 0, "error")));
  assertEquals(noMessage.error, "the model call failed");
  // A retry that then succeeds is a success.
  const retried = summarizeStream(lines(piAssistant("", 0.001, "error"), piAssistant('{"a":1}', 0.002)));
  assertEquals([retried.error, retried.finalText, retried.costUsd], [undefined, '{"a":1}', 0.003]);
});

Deno.test("stream: claude's result event gives the answer, is_error and total_cost_usd", () => {
  const init = { type: "system", subtype: "init", session_id: "s", model: "m" };
  const assistant = {
    type: "assistant",
    message: { role: "assistant", content: [{ type: "text", text: "thinking" }] },
  };
  const ok = summarizeStream(lines(init, assistant, {
    type: "result",
    subtype: "success",
    is_error: false,
    result: '{"action":"noop","reason":"x"}',
    total_cost_usd: 0.0421,
  }));
  assertEquals([ok.finalText, ok.costUsd, ok.error], ['{"action":"noop","reason":"x"}', 0.0421, undefined]);
  const withPreset = summarizeStream(
    lines(init, { type: "result", is_error: false, result: "x", total_cost_usd: 0.5 }),
    { cost: RUNNER_PRESETS.claude.cost },
  );
  assertEquals(withPreset.costUsd, 0.5);
  const failed = summarizeStream(lines(init, {
    type: "result",
    subtype: "error_during_execution",
    is_error: true,
    result: "",
    total_cost_usd: 0.01,
  }));
  assertEquals([failed.error, failed.costUsd], ["error_during_execution", 0.01]);
  const failedWithText = summarizeStream(
    lines({ type: "result", is_error: true, result: "Credit balance is too low" }),
  );
  assertEquals(failedWithText.error, "Credit balance is too low");
});

Deno.test("stream: codex agent_message is the answer; token counts are priced with config prices", () => {
  const stream = lines(
    { type: "thread.started", thread_id: "t" },
    { type: "turn.started" },
    { type: "item.completed", item: { id: "i0", type: "reasoning", text: "hmm" } },
    { type: "item.completed", item: { id: "i1", type: "agent_message", text: '{"action":"noop","reason":"x"}' } },
    { type: "turn.completed", usage: { input_tokens: 2_000_000, cached_input_tokens: 0, output_tokens: 100_000 } },
  );
  const priced = summarizeStream(stream, {
    prices: { table: { codex: { input: 1.25, output: 10 } }, runner: "codex" },
  });
  assertEquals(priced.finalText, '{"action":"noop","reason":"x"}');
  assertEquals(priced.tokens, { input: 2_000_000, output: 100_000 });
  assertEquals(priced.costUsd, 2.5 + 1);
  assertEquals(summarizeStream(stream).costUsd, undefined, "tokens without prices: unmetered");
  // By the model the stream names first, then the runner's name, then "default"; none: unmetered.
  const named = lines(
    { type: "thread.started", model: "gpt-5-mini" },
    ...stream.trim().split("\n").map((l) => JSON.parse(l)),
  );
  const table = {
    "gpt-5-mini": { input: 0.25, output: 2 },
    codex: { input: 1.25, output: 10 },
    default: { input: 9, output: 9 },
  };
  assertEquals(summarizeStream(named, { prices: { table, runner: "codex" } }).model, "gpt-5-mini");
  assertEquals(summarizeStream(named, { prices: { table, runner: "codex" } }).costUsd, 0.5 + 0.2);
  assertEquals(summarizeStream(stream, { prices: { table, runner: "codex" } }).costUsd, 2.5 + 1);
  assertEquals(summarizeStream(stream, { prices: { table, runner: "other" } }).costUsd, 18 + 0.9);
  assertEquals(
    summarizeStream(stream, { prices: { table: { x: { input: 1, output: 1 } }, runner: "codex" } }).costUsd,
    undefined,
  );
  assertEquals(summarizeStream(stream, { prices: { table: {}, runner: "constructor" } }).costUsd, undefined);
  const failed = summarizeStream(lines({ type: "turn.failed", error: { message: "stream disconnected" } }));
  assertEquals(failed.error, "stream disconnected");
  assertEquals(summarizeStream(lines({ type: "error", message: "rate limited" })).error, "rate limited");
  // A turn that completes after "Reconnecting…" errors is a success.
  const recovered = summarizeStream(lines(
    { type: "turn.started" },
    { type: "error", message: "Reconnecting... 1/5" },
    { type: "item.completed", item: { id: "i1", type: "agent_message", text: '{"action":"noop","reason":"x"}' } },
    { type: "turn.completed", usage: { input_tokens: 10, output_tokens: 5 } },
  ));
  assertEquals([recovered.error, recovered.finalText], [undefined, '{"action":"noop","reason":"x"}']);
});

Deno.test("stream: opencode text parts of the last step are the answer; step_finish costs are summed", () => {
  const s = summarizeStream(lines(
    { type: "step_start", part: { type: "step-start" } },
    { type: "text", part: { type: "text", text: "Let me check." } },
    { type: "step_finish", part: { type: "step-finish", cost: 0.125 } },
    { type: "step_start", part: { type: "step-start" } },
    { type: "text", part: { type: "text", text: '{"action":"noop",' } },
    { type: "text", part: { type: "text", text: '"reason":"x"}' } },
    { type: "step_finish", part: { type: "step-finish", cost: 0.25 } },
  ));
  assertEquals([s.finalText, s.costUsd, s.error], ['{"action":"noop","reason":"x"}', 0.375, undefined]);

  // Tokens of every step; a model opencode has no price for says cost 0: unmetered, or priced by `prices`.
  const unpriced = lines(
    { type: "step_start", part: { type: "step-start" } },
    { type: "text", part: { type: "text", text: '{"action":"noop","reason":"x"}' } },
    { type: "step_finish", part: { cost: 0, tokens: { input: 1_000_000, output: 100_000, reasoning: 0 } } },
    { type: "step_finish", part: { cost: 0, tokens: { input: 1_000_000, output: 0 } } },
  );
  const u = summarizeStream(unpriced);
  assertEquals([u.tokens, u.costUsd], [{ input: 2_000_000, output: 100_000 }, undefined]);
  const table = { opencode: { input: 1, output: 10 } };
  assertEquals(summarizeStream(unpriced, { prices: { table, runner: "opencode" } }).costUsd, 2 + 1);
  // Its error event: the message is under error.data.
  const failed = summarizeStream(lines(
    { type: "error", error: { name: "APIError", data: { message: "mock failure", statusCode: 400 } } },
  ));
  assertEquals(failed.error, "mock failure");
});

Deno.test("stream: a custom cost spec reads its pointer from its events, summed or the last one", () => {
  const stream = lines(
    { type: "usage", spend: { usd: 0.25 } },
    { type: "other", spend: { usd: 100 } },
    { type: "usage", spend: { usd: 0.5 } },
    { type: "usage", spend: { usd: "n/a" } },
  );
  const sum = summarizeStream(stream, { cost: { type: "usage", pointer: "/spend/usd", mode: "sum" } });
  assertEquals(sum.costUsd, 0.75);
  const total = summarizeStream(stream, { cost: { type: "usage", pointer: "/spend/usd", mode: "total" } });
  assertEquals(total.costUsd, 0.5);
  const none = summarizeStream(stream, { cost: { type: "absent", pointer: "/spend/usd", mode: "sum" } });
  assertEquals(none.costUsd, undefined);
  // A spec overrides the built-in readers: a pi stream metered by a spec that finds nothing is unmetered.
  const pi = lines(piAssistant("x", 0.5));
  assertEquals(summarizeStream(pi, { cost: { type: "usage", pointer: "/usd", mode: "sum" } }).costUsd, undefined);
});

Deno.test("stream: a stream with no JSON events is a plain-text answer, even one that is a bare move", () => {
  const prose = 'Calm world.\n```json\n{"action":"noop","reason":"x"}\n```\n';
  assertEquals(summarizeStream(prose), {
    finalText: prose,
    costUsd: undefined,
    tokens: undefined,
    model: undefined,
    error: undefined,
    events: 0,
  });
  const bare = '{"action":"noop","reason":"x"}\n';
  assertEquals([summarizeStream(bare).finalText, summarizeStream(bare).events], [bare, 0]);
  assertEquals(summarizeStream("").finalText, "");
  // Torn lines in an event stream are skipped, not fatal.
  const torn = lines(piAssistant("ok", 0.1)) + '{"type":"message_end","message":{"role":"assis';
  assertEquals([summarizeStream(torn).finalText, summarizeStream(torn).events], ["ok", 1]);
});
