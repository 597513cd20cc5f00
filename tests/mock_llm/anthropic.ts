/**
 * The Anthropic Messages API for the mock (`POST /v1/messages`): a request body → a `Turn`, and a
 * `Reply` → the SSE event stream (message_start, content_block_start/delta/stop, message_delta
 * with usage, message_stop) or, when `stream` is false, one message object.
 */
import {
  contentText,
  DEFAULT_USAGE,
  finishTurn,
  type Message,
  newId,
  type Reply,
  type ToolResult,
  type Turn,
} from "./turn.ts";

type Block = Record<string, unknown> & { type?: unknown };

export function anthropicTurn(body: Record<string, unknown>): Turn {
  const messages: Message[] = [];
  for (const raw of Array.isArray(body.messages) ? body.messages : []) {
    const m = raw as { role?: unknown; content?: unknown };
    const role = m.role === "assistant" ? "assistant" : "user";
    const blocks: Block[] = typeof m.content === "string"
      ? [{ type: "text", text: m.content }]
      : Array.isArray(m.content)
      ? m.content
      : [];
    const msg: Message = { role, text: "", toolCalls: [], toolResults: [] };
    const texts: string[] = [];
    for (const b of blocks) {
      if (b.type === "text" && typeof b.text === "string") texts.push(b.text);
      else if (b.type === "tool_use") {
        msg.toolCalls.push({
          id: String(b.id),
          name: String(b.name),
          input: (b.input ?? {}) as Record<string, unknown>,
        });
      } else if (b.type === "tool_result") {
        const r: ToolResult = {
          id: String(b.tool_use_id),
          name: undefined,
          text: contentText(b.content),
          isError: b.is_error === true,
        };
        msg.toolResults.push(r);
      }
    }
    msg.text = texts.join("\n");
    messages.push(msg);
  }
  const tools = (Array.isArray(body.tools) ? body.tools : []).map((t) => String((t as { name?: unknown }).name ?? ""))
    .filter(Boolean);
  return finishTurn({
    api: "anthropic",
    model: String(body.model ?? ""),
    stream: body.stream === true,
    system: contentText(body.system),
    messages,
    tools,
    body,
  });
}

/** The content blocks of a reply, with fresh tool_use ids. */
function blocksOf(reply: Reply): Block[] {
  const blocks: Block[] = [];
  if (reply.text !== undefined && reply.text !== "") blocks.push({ type: "text", text: reply.text });
  for (const c of reply.toolCalls ?? []) {
    blocks.push({ type: "tool_use", id: newId("toolu_mock"), name: c.name, input: c.input });
  }
  if (blocks.length === 0) blocks.push({ type: "text", text: "" });
  return blocks;
}

const usageOf = (reply: Reply) => {
  const u = reply.usage ?? DEFAULT_USAGE;
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: u.output,
  };
};

const stopReason = (reply: Reply) => (reply.toolCalls?.length ? "tool_use" : "end_turn");

export function anthropicJson(turn: Turn, reply: Reply): Record<string, unknown> {
  return {
    id: newId("msg_mock"),
    type: "message",
    role: "assistant",
    model: turn.model,
    content: blocksOf(reply),
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: usageOf(reply),
  };
}

/** The SSE events of a streamed reply, as the API sends them. */
export function anthropicSse(turn: Turn, reply: Reply): string {
  const usage = usageOf(reply);
  const events: [string, Record<string, unknown>][] = [];
  events.push(["message_start", {
    type: "message_start",
    message: {
      id: newId("msg_mock"),
      type: "message",
      role: "assistant",
      model: turn.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  }]);
  blocksOf(reply).forEach((b, index) => {
    if (b.type === "tool_use") {
      events.push(["content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: b.id, name: b.name, input: {} },
      }]);
      events.push(["content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(b.input) },
      }]);
    } else {
      events.push(["content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      }]);
      events.push(["content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: b.text },
      }]);
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  events.push(["message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason(reply), stop_sequence: null },
    usage,
  }]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
}

/** An error body as the API shapes it. */
export function anthropicError(status: number, message: string): Response {
  const type =
    ({ 400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error" })[
      status
    ] ?? "api_error";
  return Response.json({ type: "error", error: { type, message } }, { status });
}
