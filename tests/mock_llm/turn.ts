/**
 * What the mock LLM server's scenarios see and return, whatever API a request came through: one
 * `Turn` (the conversation so far, normalized) in, one `Reply` (text and/or tool calls, with token
 * usage) out.
 */

export type Api = "anthropic" | "openai-chat" | "openai-responses";

export type ToolCall = { id: string; name: string; input: Record<string, unknown> };
export type ToolResult = { id: string; name: string | undefined; text: string; isError: boolean };

/** One message of the conversation, whatever its wire format was. */
export type Message = {
  role: "user" | "assistant";
  text: string;
  toolCalls: ToolCall[];
  toolResults: ToolResult[];
};

export type Turn = {
  api: Api;
  model: string;
  stream: boolean;
  /** the system prompt (Anthropic `system`, OpenAI system/developer messages, Responses `instructions`) */
  system: string;
  messages: Message[];
  /** the names of the tools the client offered */
  tools: string[];
  /** the text of the last user message that was not only tool results ("" when none) */
  lastUserText: string;
  /** the tool results in the last message, when the conversation ends with them */
  toolResults: ToolResult[];
  /** the request body as sent */
  body: Record<string, unknown>;
};

export type Usage = { input: number; output: number };

export type Reply = {
  text?: string;
  toolCalls?: { name: string; input: Record<string, unknown> }[];
  /** token counts reported to the client (default 100 in, 20 out) */
  usage?: Usage;
  /** answer with this HTTP error instead, in the API's error shape */
  error?: { status: number; message: string };
};

export type Scenario = (turn: Turn, index: number) => Reply | Promise<Reply>;

export const DEFAULT_USAGE: Usage = { input: 100, output: 20 };

/** The name of a shell tool the client offered (`Bash`, `bash`, `shell` or `exec_command`), if any. */
export function shellTool(turn: Turn): string | undefined {
  const names = ["bash", "shell", "exec_command"];
  for (const n of names) {
    const hit = turn.tools.find((t) => t.toLowerCase() === n);
    if (hit) return hit;
  }
  return undefined;
}

/** A tool call running `command` in the client's shell tool, in the input shape that tool takes. */
export function shellCall(turn: Turn, command: string): { name: string; input: Record<string, unknown> } {
  const name = shellTool(turn);
  if (!name) throw new Error(`the client offered no shell tool (tools: ${turn.tools.join(", ") || "none"})`);
  switch (name) {
    case "Bash": // claude
      return { name, input: { command, description: "run a command" } };
    case "shell": // older codex
      return { name, input: { command: ["bash", "-lc", command] } };
    case "exec_command": // codex: wait up to its longest yield (30 s) before answering with a session id
      return { name, input: { cmd: command, yield_time_ms: 30_000 } };
    default: // pi's bash
      return { name, input: { command } };
  }
}

/** Everything the conversation says, system prompt included, as one string (for `includes`). */
export function conversationText(turn: Turn): string {
  return [turn.system, ...turn.messages.map((m) => [m.text, ...m.toolResults.map((r) => r.text)].join("\n"))].join(
    "\n",
  );
}

/** The first user message's text (what the conversation was started with). */
export function firstUserText(turn: Turn): string {
  return turn.messages.find((m) => m.role === "user" && m.text)?.text ?? "";
}

/** Text from an Anthropic/OpenAI content value: a string, or an array of parts with `text`. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => {
    if (typeof p === "string") return p;
    if (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string") {
      return (p as { text: string }).text;
    }
    return "";
  }).filter(Boolean).join("\n");
}

/** Fill in `lastUserText` and `toolResults` (and each result's tool name) from `messages`. */
export function finishTurn(t: Omit<Turn, "lastUserText" | "toolResults">): Turn {
  const names = new Map<string, string>();
  for (const m of t.messages) for (const c of m.toolCalls) names.set(c.id, c.name);
  for (const m of t.messages) for (const r of m.toolResults) r.name ??= names.get(r.id);
  const lastUser = [...t.messages].reverse().find((m) => m.role === "user" && m.text.trim() !== "");
  const last = t.messages[t.messages.length - 1];
  return {
    ...t,
    lastUserText: lastUser?.text ?? "",
    toolResults: last && last.role === "user" ? last.toolResults : [],
  };
}

let counter = 0;
/** A fresh id with `prefix` (unique within this process). */
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36).padStart(4, "0")}`;
}
