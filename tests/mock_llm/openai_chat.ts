/**
 * The OpenAI chat-completions API for the mock (`POST /v1/chat/completions`): a request body → a
 * `Turn`, and a `Reply` → streamed chunks (choices[0].delta.content / tool_calls, a chunk with
 * finish_reason, a final chunk with usage, then `data: [DONE]`) or one completion object.
 */
import { contentText, DEFAULT_USAGE, finishTurn, type Message, newId, type Reply, type Turn } from "./turn.ts";

type Raw = Record<string, unknown>;

export function chatTurn(body: Raw): Turn {
  const system: string[] = [];
  const messages: Message[] = [];
  for (const raw of Array.isArray(body.messages) ? body.messages as Raw[] : []) {
    const text = contentText(raw.content);
    switch (raw.role) {
      case "system":
      case "developer":
        system.push(text);
        break;
      case "assistant": {
        const calls = Array.isArray(raw.tool_calls) ? raw.tool_calls as Raw[] : [];
        messages.push({
          role: "assistant",
          text,
          toolCalls: calls.map((c) => {
            const fn = (c.function ?? {}) as Raw;
            let input: Record<string, unknown> = {};
            try {
              input = JSON.parse(String(fn.arguments ?? "{}"));
            } catch { /* arguments that are not JSON stay empty */ }
            return { id: String(c.id), name: String(fn.name), input };
          }),
          toolResults: [],
        });
        break;
      }
      case "tool": {
        const result = { id: String(raw.tool_call_id), name: undefined, text, isError: false };
        const last = messages[messages.length - 1];
        // Consecutive tool messages answer one assistant turn: keep them in one user message.
        if (last && last.role === "user" && last.text === "" && last.toolResults.length) last.toolResults.push(result);
        else messages.push({ role: "user", text: "", toolCalls: [], toolResults: [result] });
        break;
      }
      default:
        messages.push({ role: "user", text, toolCalls: [], toolResults: [] });
    }
  }
  const tools = (Array.isArray(body.tools) ? body.tools as Raw[] : []).map((t) =>
    String((t.function as Raw | undefined)?.name ?? t.name ?? "")
  ).filter(Boolean);
  return finishTurn({
    api: "openai-chat",
    model: String(body.model ?? ""),
    stream: body.stream === true,
    system: system.join("\n"),
    messages,
    tools,
    body,
  });
}

const toolCallsOf = (reply: Reply) =>
  (reply.toolCalls ?? []).map((c) => ({
    id: newId("call_mock"),
    type: "function",
    function: { name: c.name, arguments: JSON.stringify(c.input) },
  }));

const usageOf = (reply: Reply) => {
  const u = reply.usage ?? DEFAULT_USAGE;
  return { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output };
};

const finishReason = (reply: Reply) => (reply.toolCalls?.length ? "tool_calls" : "stop");

export function chatJson(turn: Turn, reply: Reply): Raw {
  const calls = toolCallsOf(reply);
  return {
    id: newId("chatcmpl-mock"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: turn.model,
    choices: [{
      index: 0,
      message: { role: "assistant", content: reply.text ?? null, ...(calls.length ? { tool_calls: calls } : {}) },
      finish_reason: finishReason(reply),
    }],
    usage: usageOf(reply),
  };
}

export function chatSse(turn: Turn, reply: Reply): string {
  const id = newId("chatcmpl-mock");
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Raw = {}) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: turn.model,
    choices,
    ...extra,
  });
  const delta = (d: Raw, finish: string | null = null) => chunk([{ index: 0, delta: d, finish_reason: finish }]);
  const chunks: Raw[] = [delta({ role: "assistant", content: "" })];
  if (reply.text) chunks.push(delta({ content: reply.text }));
  toolCallsOf(reply).forEach((c, index) => {
    chunks.push(delta({
      tool_calls: [{ index, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }],
    }));
    chunks.push(delta({ tool_calls: [{ index, function: { arguments: c.function.arguments } }] }));
  });
  chunks.push(delta({}, finishReason(reply)));
  chunks.push(chunk([], { usage: usageOf(reply) }));
  return chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n";
}

export function openAiError(status: number, message: string): Response {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return Response.json({ error: { message, type, code: null } }, { status });
}
