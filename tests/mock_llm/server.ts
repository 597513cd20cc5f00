/**
 * A mock LLM server for the tests: loopback only (127.0.0.1, a free port), started and stopped by
 * the test, each request answered within a bound. It speaks the Anthropic Messages API, OpenAI
 * chat completions and the OpenAI Responses API, streamed (SSE) or not, answers each turn from a
 * scenario (a function from the conversation so far to a reply: text and/or tool calls, with
 * token usage), and records every request so the test can assert on what the clients sent.
 * Model lists, token counts and anything else a CLI asks for get a quick, sensible answer.
 */
import { anthropicError, anthropicJson, anthropicSse, anthropicTurn } from "./anthropic.ts";
import { chatJson, chatSse, chatTurn, openAiError } from "./openai_chat.ts";
import { responsesJson, responsesSse, responsesTurn } from "./openai_responses.ts";
import type { Api, Reply, Scenario, Turn } from "./turn.ts";

export type { Api, Message, Reply, Scenario, ToolCall, ToolResult, Turn, Usage } from "./turn.ts";
export { conversationText, firstUserText, shellCall, shellTool } from "./turn.ts";

/** One request as the mock received it (and, for a model turn, what it replied). */
export type Recorded = {
  method: string;
  path: string;
  /** when it arrived (ms since the epoch) */
  at: number;
  /** the query string, with its "?" ("" when none) */
  query: string;
  headers: Record<string, string>;
  /** the parsed JSON body, the raw text when it is not JSON, undefined when empty */
  body: unknown;
  status: number;
  /** for a model turn: the API, the normalized conversation, and the reply sent */
  api?: Api;
  turn?: Turn;
  reply?: Reply;
  /** why the mock could not answer (the scenario threw, or timed out) */
  error?: string;
};

export const MODELS = ["claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5", "gpt-5", "mock-model"];

export type MockOptions = {
  /** the longest the mock spends on one request, scenario included (default 15 s) */
  requestTimeoutMs?: number;
};

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

export class MockLlm {
  /** every request, oldest first */
  readonly requests: Recorded[] = [];
  private turnsSeen = 0;

  private constructor(
    readonly url: string,
    private readonly server: Deno.HttpServer<Deno.NetAddr>,
    public scenario: Scenario,
  ) {}

  static start(scenario: Scenario, opts: MockOptions = {}): MockLlm {
    const timeoutMs = opts.requestTimeoutMs ?? 15_000;
    // The server needs its handler before the mock (which needs the server's port) exists.
    const self: { mock?: MockLlm } = {};
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => self.mock!.handle(req, timeoutMs),
    );
    self.mock = new MockLlm(`http://127.0.0.1:${server.addr.port}`, server, scenario);
    return self.mock;
  }

  get port(): number {
    return this.server.addr.port;
  }

  /** The model turns (requests a scenario answered or failed to), optionally of one API. */
  turns(api?: Api): Recorded[] {
    return this.requests.filter((r) => r.turn && (api === undefined || r.api === api));
  }

  /** Requests the mock could not answer (a scenario that threw or timed out). */
  failures(): Recorded[] {
    return this.requests.filter((r) => r.error !== undefined);
  }

  /** Stop listening, once the requests in flight are answered (each is bounded, so this is too). */
  async close(): Promise<void> {
    await this.server.shutdown();
  }

  private async handle(req: Request, timeoutMs: number): Promise<Response> {
    const url = new URL(req.url);
    const rec: Recorded = {
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      query: url.search,
      headers: Object.fromEntries(req.headers),
      body: undefined,
      status: 0,
    };
    this.requests.push(rec);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<Response>((resolve) => {
      timer = setTimeout(() => {
        rec.error = `no answer within ${timeoutMs} ms`;
        resolve(Response.json({ error: { message: `mock: ${rec.error}` } }, { status: 504 }));
      }, timeoutMs);
    });
    try {
      const res = await Promise.race([this.route(req, url, rec), timeout]);
      rec.status = res.status;
      return res;
    } finally {
      clearTimeout(timer);
    }
  }

  private async route(req: Request, url: URL, rec: Recorded): Promise<Response> {
    const text = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
    let body: unknown = text === "" ? undefined : text;
    try {
      if (text) body = JSON.parse(text);
    } catch { /* kept as text */ }
    rec.body = body;
    const path = url.pathname.replace(/\/+$/, "").replace(/^\/v1(?=\/)/, "");
    const json = (body && typeof body === "object" && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    if (req.method === "POST") {
      switch (path) {
        case "/messages":
          return this.turn(rec, anthropicTurn(json), anthropicSse, anthropicJson, anthropicError);
        case "/messages/count_tokens":
          return Response.json({ input_tokens: Math.max(1, Math.ceil(text.length / 4)) });
        case "/chat/completions":
          return this.turn(rec, chatTurn(json), chatSse, chatJson, openAiError);
        case "/responses":
          return this.turn(rec, responsesTurn(json), responsesSse, responsesJson, openAiError);
      }
    }
    if (req.method === "GET" || req.method === "HEAD") {
      if (path === "/models") return Response.json(modelList());
      const one = /^\/models\/([^/]+)$/.exec(path);
      if (one) return Response.json(modelEntry(decodeURIComponent(one[1])));
      if (path === "" || path === "/") return new Response("mock llm\n");
    }
    return Response.json(
      { type: "error", error: { type: "not_found_error", message: `mock: no route ${req.method} ${url.pathname}` } },
      { status: 404 },
    );
  }

  private async turn(
    rec: Recorded,
    turn: Turn,
    sse: (t: Turn, r: Reply) => string,
    whole: (t: Turn, r: Reply) => unknown,
    error: (status: number, message: string) => Response,
  ): Promise<Response> {
    rec.api = turn.api;
    rec.turn = turn;
    const index = this.turnsSeen++;
    let reply: Reply;
    try {
      reply = await this.scenario(turn, index);
    } catch (e) {
      rec.error = `scenario failed: ${e instanceof Error ? e.message : String(e)}`;
      return error(500, `mock: ${rec.error}`);
    }
    rec.reply = reply;
    if (reply.error) return error(reply.error.status, reply.error.message);
    return turn.stream ? new Response(sse(turn, reply), { headers: SSE_HEADERS }) : Response.json(whole(turn, reply));
  }
}

function modelEntry(id: string) {
  return {
    id,
    object: "model",
    type: "model",
    created: 1_700_000_000,
    created_at: "2025-01-01T00:00:00Z",
    owned_by: "mock",
    display_name: id,
  };
}

function modelList() {
  const data = MODELS.map(modelEntry);
  return { object: "list", data, has_more: false, first_id: data[0].id, last_id: data[data.length - 1].id };
}

/** Start a mock for `fn` and stop it afterwards, whatever happens. */
export async function withMockLlm<T>(scenario: Scenario, fn: (mock: MockLlm) => Promise<T>): Promise<T> {
  const mock = MockLlm.start(scenario);
  try {
    return await fn(mock);
  } finally {
    await mock.close();
  }
}
