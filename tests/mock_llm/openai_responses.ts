/**
 * The OpenAI Responses API for the mock (`POST /v1/responses`): a request body → a `Turn`, and a
 * `Reply` → the SSE events (response.created, output_item.added, output_text.delta, function-call
 * arguments, output_item.done, response.completed with usage) or one response object.
 */
import { contentText, DEFAULT_USAGE, finishTurn, type Message, newId, type Reply, type Turn } from "./turn.ts";

type Raw = Record<string, unknown>;

export function responsesTurn(body: Raw): Turn {
  const system: string[] = typeof body.instructions === "string" ? [body.instructions] : [];
  const messages: Message[] = [];
  const push = (role: "user" | "assistant") => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) return last;
    const m: Message = { role, text: "", toolCalls: [], toolResults: [] };
    messages.push(m);
    return m;
  };
  const addText = (m: Message, text: string) => {
    if (text) m.text = m.text ? `${m.text}\n${text}` : text;
  };
  const items: Raw[] = typeof body.input === "string"
    ? [{ type: "message", role: "user", content: body.input }]
    : Array.isArray(body.input)
    ? body.input as Raw[]
    : [];
  for (const item of items) {
    const type = item.type ?? "message";
    if (type === "message") {
      const text = contentText(item.content);
      if (item.role === "system" || item.role === "developer") system.push(text);
      else addText(push(item.role === "assistant" ? "assistant" : "user"), text);
    } else if (type === "function_call" || type === "custom_tool_call") {
      let input: Record<string, unknown> = {};
      const args = item.arguments ?? item.input;
      try {
        input = typeof args === "string" ? JSON.parse(args) : (args as Record<string, unknown>) ?? {};
      } catch {
        input = { input: args };
      }
      push("assistant").toolCalls.push({ id: String(item.call_id), name: String(item.name), input });
    } else if (type === "function_call_output" || type === "custom_tool_call_output") {
      const out = item.output;
      const text = typeof out === "string"
        ? out
        : out && typeof out === "object" && !Array.isArray(out)
        ? String((out as Raw).content ?? JSON.stringify(out))
        : contentText(out);
      const m = push("user");
      if (m.text === "") m.toolResults.push({ id: String(item.call_id), name: undefined, text, isError: false });
      else {messages.push({
          role: "user",
          text: "",
          toolCalls: [],
          toolResults: [{ id: String(item.call_id), name: undefined, text, isError: false }],
        });}
    }
  }
  const tools = (Array.isArray(body.tools) ? body.tools as Raw[] : []).map((t) =>
    String(t.name ?? (t.function as Raw | undefined)?.name ?? (t.type === "local_shell" ? "local_shell" : ""))
  ).filter(Boolean);
  return finishTurn({
    api: "openai-responses",
    model: String(body.model ?? ""),
    stream: body.stream === true,
    system: system.join("\n"),
    messages,
    tools,
    body,
  });
}

/** The output items of a reply, complete, with fresh ids. */
function outputItems(reply: Reply): Raw[] {
  const items: Raw[] = [];
  if (reply.text) {
    items.push({
      id: newId("msg_mock"),
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: reply.text, annotations: [] }],
    });
  }
  for (const c of reply.toolCalls ?? []) {
    items.push({
      id: newId("fc_mock"),
      type: "function_call",
      status: "completed",
      call_id: newId("call_mock"),
      name: c.name,
      arguments: JSON.stringify(c.input),
    });
  }
  return items;
}

function responseObject(turn: Turn, reply: Reply, id: string, output: Raw[], status: string): Raw {
  const u = reply.usage ?? DEFAULT_USAGE;
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: turn.model,
    output,
    usage: status === "completed"
      ? {
        input_tokens: u.input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: u.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: u.input + u.output,
      }
      : null,
  };
}

export function responsesJson(turn: Turn, reply: Reply): Raw {
  return responseObject(turn, reply, newId("resp_mock"), outputItems(reply), "completed");
}

export function responsesSse(turn: Turn, reply: Reply): string {
  const id = newId("resp_mock");
  const items = outputItems(reply);
  const events: Raw[] = [];
  events.push({ type: "response.created", response: responseObject(turn, reply, id, [], "in_progress") });
  events.push({ type: "response.in_progress", response: responseObject(turn, reply, id, [], "in_progress") });
  items.forEach((item, output_index) => {
    if (item.type === "message") {
      const text = (item.content as { text: string }[])[0].text;
      const part = { type: "output_text", text: "", annotations: [] };
      events.push({
        type: "response.output_item.added",
        output_index,
        item: { ...item, status: "in_progress", content: [] },
      });
      events.push({ type: "response.content_part.added", item_id: item.id, output_index, content_index: 0, part });
      events.push({
        type: "response.output_text.delta",
        item_id: item.id,
        output_index,
        content_index: 0,
        delta: text,
      });
      events.push({ type: "response.output_text.done", item_id: item.id, output_index, content_index: 0, text });
      events.push({
        type: "response.content_part.done",
        item_id: item.id,
        output_index,
        content_index: 0,
        part: { ...part, text },
      });
    } else {
      events.push({
        type: "response.output_item.added",
        output_index,
        item: { ...item, status: "in_progress", arguments: "" },
      });
      events.push({
        type: "response.function_call_arguments.delta",
        item_id: item.id,
        output_index,
        delta: item.arguments,
      });
      events.push({
        type: "response.function_call_arguments.done",
        item_id: item.id,
        output_index,
        arguments: item.arguments,
      });
    }
    events.push({ type: "response.output_item.done", output_index, item });
  });
  events.push({ type: "response.completed", response: responseObject(turn, reply, id, items, "completed") });
  return events.map((e, i) => `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`).join("");
}
