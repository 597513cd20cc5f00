/**
 * The mock LLM server itself, hit with fetch: each API streamed and not, text and tool calls,
 * the conversation a scenario sees (tool results matched to their calls), the recorded requests,
 * the side routes CLIs call, and the bounds (a scenario that throws or never answers).
 */
import { assert, assertEquals } from "../assert.ts";
import { MockLlm, type Reply, shellCall, type Turn, withMockLlm } from "./server.ts";

type Sse = { event: string | undefined; data: string };

/** The events of an SSE body: `event:` (if any) and `data:` per blank-line-separated block. */
function parseSse(text: string): Sse[] {
  return text.split("\n\n").filter((b) => b.trim()).map((block) => {
    const lines = block.split("\n");
    return {
      event: lines.find((l) => l.startsWith("event: "))?.slice(7),
      data: lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"),
    };
  });
}

async function post(mock: MockLlm, path: string, body: unknown): Promise<Response> {
  return await fetch(`${mock.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A scenario that keeps every turn it sees and answers with `reply`. */
function recording(reply: Reply): { turns: Turn[]; scenario: (t: Turn) => Reply } {
  const turns: Turn[] = [];
  return { turns, scenario: (t) => (turns.push(t), reply) };
}

Deno.test("mock anthropic: a streamed text reply is the Messages API's SSE sequence, with usage", async () => {
  const { turns, scenario } = recording({ text: "hello there", usage: { input: 1000, output: 200 } });
  await withMockLlm(scenario, async (mock) => {
    const res = await post(mock, "/v1/messages?beta=true", {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      stream: true,
      system: [{ type: "text", text: "be brief" }],
      messages: [{ role: "user", content: [{ type: "text", text: "say hello" }] }],
    });
    assertEquals([res.status, res.headers.get("content-type")], [200, "text/event-stream"]);
    const events = parseSse(await res.text());
    assertEquals(events.map((e) => e.event), [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const data = events.map((e) => JSON.parse(e.data));
    assertEquals(data.map((d) => d.type), events.map((e) => e.event));
    assertEquals(data[0].message.model, "claude-sonnet-4-5");
    assertEquals(data[0].message.usage.input_tokens, 1000);
    assertEquals(data[1].content_block, { type: "text", text: "" });
    assertEquals(data[2].delta, { type: "text_delta", text: "hello there" });
    assertEquals(data[4].delta.stop_reason, "end_turn");
    assertEquals([data[4].usage.input_tokens, data[4].usage.output_tokens], [1000, 200]);

    assertEquals(turns.length, 1);
    assertEquals([turns[0].api, turns[0].stream, turns[0].system, turns[0].lastUserText], [
      "anthropic",
      true,
      "be brief",
      "say hello",
    ]);
    const [rec] = mock.requests;
    assertEquals([rec.method, rec.path, rec.query, rec.status, rec.api], [
      "POST",
      "/v1/messages",
      "?beta=true",
      200,
      "anthropic",
    ]);
    assertEquals((rec.body as { model: string }).model, "claude-sonnet-4-5");
    assertEquals(rec.reply, { text: "hello there", usage: { input: 1000, output: 200 } });
  });
});

Deno.test("mock anthropic: a tool call streams as tool_use with input_json_delta; its result comes back named", async () => {
  const { turns, scenario } = recording({ toolCalls: [{ name: "Bash", input: { command: "echo hi" } }] });
  await withMockLlm(scenario, async (mock) => {
    const body = {
      model: "m",
      stream: true,
      tools: [{ name: "Bash", input_schema: {} }, { name: "Read", input_schema: {} }],
      messages: [{ role: "user", content: "run something" }],
    };
    const data = parseSse(await (await post(mock, "/v1/messages", body)).text()).map((e) => JSON.parse(e.data));
    const start = data.find((d) => d.type === "content_block_start");
    assertEquals(start.content_block.type, "tool_use");
    assertEquals(start.content_block.name, "Bash");
    assert(/^toolu_/.test(start.content_block.id), start.content_block.id);
    const delta = data.find((d) => d.type === "content_block_delta");
    assertEquals(delta.delta.type, "input_json_delta");
    assertEquals(JSON.parse(delta.delta.partial_json), { command: "echo hi" });
    assertEquals(data.find((d) => d.type === "message_delta").delta.stop_reason, "tool_use");
    assertEquals(turns[0].tools, ["Bash", "Read"]);

    // The next turn carries the tool's result: the scenario sees it with the tool's name.
    const id = start.content_block.id;
    const res = await post(mock, "/v1/messages", {
      ...body,
      stream: false,
      messages: [
        { role: "user", content: "run something" },
        { role: "assistant", content: [{ type: "tool_use", id, name: "Bash", input: { command: "echo hi" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: [{ type: "text", text: "hi" }] }] },
      ],
    });
    const whole = await res.json();
    assertEquals([whole.type, whole.role, whole.stop_reason], ["message", "assistant", "tool_use"]);
    assertEquals(whole.content[0].input, { command: "echo hi" });
    assertEquals(whole.usage.input_tokens, 100);
    assertEquals(turns[1].toolResults, [{ id, name: "Bash", text: "hi", isError: false }]);
    assertEquals(turns[1].lastUserText, "run something");
    assertEquals(turns[1].messages[1].toolCalls, [{ id, name: "Bash", input: { command: "echo hi" } }]);
  });
});

Deno.test("mock openai chat: streamed chunks (content, finish_reason, usage, [DONE]) and a whole completion", async () => {
  const { turns, scenario } = recording({ text: "a reply", usage: { input: 30, output: 7 } });
  await withMockLlm(scenario, async (mock) => {
    const body = {
      model: "mock-model",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "system", content: "sys" }, { role: "user", content: [{ type: "text", text: "hi" }] }],
    };
    const events = parseSse(await (await post(mock, "/v1/chat/completions", body)).text());
    assertEquals(events[events.length - 1].data, "[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    assert(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "mock-model"));
    assertEquals(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "a reply");
    assertEquals(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ["stop"]);
    assertEquals(chunks[chunks.length - 1].usage, { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37 });
    assertEquals([turns[0].api, turns[0].system, turns[0].lastUserText], ["openai-chat", "sys", "hi"]);

    const whole = await (await post(mock, "/v1/chat/completions", { ...body, stream: false })).json();
    assertEquals(whole.object, "chat.completion");
    assertEquals(whole.choices[0].message, { role: "assistant", content: "a reply" });
    assertEquals(whole.choices[0].finish_reason, "stop");
    assertEquals(whole.usage.total_tokens, 37);
  });
});

Deno.test("mock openai chat: tool calls stream in pieces; a tool message is the next turn's result", async () => {
  const { turns, scenario } = recording({ toolCalls: [{ name: "bash", input: { command: "ls" } }] });
  await withMockLlm(scenario, async (mock) => {
    const tools = [{ type: "function", function: { name: "bash", parameters: {} } }];
    const body = { model: "m", stream: true, tools, messages: [{ role: "user", content: "list" }] };
    const chunks = parseSse(await (await post(mock, "/v1/chat/completions", body)).text()).slice(0, -1)
      .map((e) => JSON.parse(e.data));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assertEquals(calls[0].function.name, "bash");
    const id = calls[0].id;
    assert(/^call_/.test(id), id);
    assertEquals(JSON.parse(calls.map((c: { function: { arguments: string } }) => c.function.arguments).join("")), {
      command: "ls",
    });
    assertEquals(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ["tool_calls"]);
    assertEquals(turns[0].tools, ["bash"]);

    await (await post(mock, "/v1/chat/completions", {
      ...body,
      messages: [
        { role: "user", content: "list" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id, type: "function", function: { name: "bash", arguments: '{"command":"ls"}' } }],
        },
        { role: "tool", tool_call_id: id, content: "a.txt\nb.txt" },
      ],
    })).text();
    assertEquals(turns[1].toolResults, [{ id, name: "bash", text: "a.txt\nb.txt", isError: false }]);
    assertEquals(turns[1].messages[1].toolCalls, [{ id, name: "bash", input: { command: "ls" } }]);
  });
});

Deno.test("mock openai responses: streamed events for text and a function call; a whole response", async () => {
  const { turns, scenario } = recording({
    text: "running it",
    toolCalls: [{ name: "exec_command", input: { cmd: "date" } }],
    usage: { input: 50, output: 5 },
  });
  await withMockLlm(scenario, async (mock) => {
    const body = {
      model: "gpt-5",
      stream: true,
      instructions: "you are codex",
      tools: [{ type: "function", name: "exec_command", parameters: {} }],
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "what time is it" }] }],
    };
    const events = parseSse(await (await post(mock, "/v1/responses", body)).text());
    const data = events.map((e) => JSON.parse(e.data));
    assertEquals(events.map((e) => e.event), data.map((d) => d.type));
    assertEquals(data[0].type, "response.created");
    assertEquals(data.map((d) => d.sequence_number), data.map((_, i) => i));
    assertEquals(
      data.filter((d) => d.type === "response.output_text.delta").map((d) => d.delta).join(""),
      "running it",
    );
    const call = data.find((d) => d.type === "response.output_item.done" && d.item.type === "function_call").item;
    assertEquals([call.name, JSON.parse(call.arguments)], ["exec_command", { cmd: "date" }]);
    const done = data[data.length - 1];
    assertEquals(done.type, "response.completed");
    assertEquals(done.response.output.map((i: { type: string }) => i.type), ["message", "function_call"]);
    assertEquals([done.response.usage.input_tokens, done.response.usage.output_tokens], [50, 5]);
    assertEquals([turns[0].api, turns[0].system, turns[0].lastUserText, turns[0].tools], [
      "openai-responses",
      "you are codex",
      "what time is it",
      ["exec_command"],
    ]);

    const whole = await (await post(mock, "/v1/responses", {
      ...body,
      stream: false,
      input: [
        ...body.input,
        { type: "function_call", call_id: call.call_id, name: "exec_command", arguments: call.arguments },
        { type: "function_call_output", call_id: call.call_id, output: "Tue" },
      ],
    })).json();
    assertEquals([whole.object, whole.status], ["response", "completed"]);
    assertEquals(whole.output[0].content[0].text, "running it");
    assertEquals(turns[1].toolResults, [{ id: call.call_id, name: "exec_command", text: "Tue", isError: false }]);
  });
});

Deno.test("mock: model lists, token counts and unknown routes get quick answers, all recorded", async () => {
  await withMockLlm(() => ({ text: "unused" }), async (mock) => {
    const list = await (await fetch(`${mock.url}/v1/models`)).json();
    assert(list.data.some((m: { id: string }) => m.id === "claude-sonnet-4-5"), JSON.stringify(list));
    assertEquals((await (await fetch(`${mock.url}/v1/models/gpt-5`)).json()).id, "gpt-5");
    const count = await (await post(mock, "/v1/messages/count_tokens", { messages: [{ role: "user", content: "x" }] }))
      .json();
    assert(count.input_tokens > 0, JSON.stringify(count));
    const head = await fetch(mock.url, { method: "HEAD" });
    await head.body?.cancel();
    assertEquals(head.status, 200);
    const missing = await post(mock, "/api/event_logging/batch", { events: [] });
    assertEquals([missing.status, (await missing.json()).error.type], [404, "not_found_error"]);
    assertEquals(mock.requests.map((r) => [r.method, r.path, r.status]), [
      ["GET", "/v1/models", 200],
      ["GET", "/v1/models/gpt-5", 200],
      ["POST", "/v1/messages/count_tokens", 200],
      ["HEAD", "/", 200],
      ["POST", "/api/event_logging/batch", 404],
    ]);
    assertEquals(mock.turns(), []);
    assertEquals(mock.failures(), []);
  });
});

Deno.test("mock: a scenario that throws is a 500 in the API's error shape; one that never answers is cut off", async () => {
  const mock = MockLlm.start(() => {
    throw new Error("no reply scripted");
  }, { requestTimeoutMs: 300 });
  try {
    const res = await post(mock, "/v1/messages", { model: "m", messages: [{ role: "user", content: "hi" }] });
    assertEquals([res.status, (await res.json()).error.message], [500, "mock: scenario failed: no reply scripted"]);
    let release: () => void = () => {};
    mock.scenario = () => new Promise<Reply>((resolve) => release = () => resolve({ text: "late" }));
    const slow = await post(mock, "/v1/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] });
    assertEquals(slow.status, 504);
    await slow.body?.cancel();
    release();
    assertEquals(mock.failures().map((r) => [r.path, r.error]), [
      ["/v1/messages", "scenario failed: no reply scripted"],
      ["/v1/chat/completions", "no answer within 300 ms"],
    ]);
  } finally {
    await mock.close();
  }
});

Deno.test("mock: shellCall fits the input to the client's shell tool", () => {
  const turn = (tools: string[]) => ({ tools } as Turn);
  assertEquals(shellCall(turn(["Read", "Bash"]), "ls"), {
    name: "Bash",
    input: { command: "ls", description: "run a command" },
  });
  assertEquals(shellCall(turn(["read", "bash"]), "ls"), { name: "bash", input: { command: "ls" } });
  assertEquals(shellCall(turn(["exec_command"]), "ls"), {
    name: "exec_command",
    input: { cmd: "ls", yield_time_ms: 30_000 },
  });
  assertEquals(shellCall(turn(["shell"]), "ls").input, { command: ["bash", "-lc", "ls"] });
  let error = "";
  try {
    shellCall(turn(["Read"]), "ls");
  } catch (e) {
    error = (e as Error).message;
  }
  assertEquals(error, "the client offered no shell tool (tools: Read)");
});
