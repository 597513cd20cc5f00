/**
 * The real runner CLIs for tests/real: where to find them (`.tools/runners`, installed by
 * tools/install-runners.sh, or PATH), how each is pointed at the mock LLM server offline (its
 * config files in a temp HOME and its environment, as /work/shared/notes/runners.md records),
 * and how each reports a decide's cost, so the test can recompute it.
 */
import { ROOT } from "../helpers.ts";
import type { Api, Recorded } from "../mock_llm/server.ts";

export const RUNNERS_BIN = `${ROOT}/.tools/runners/node_modules/.bin`;
export const INSTALL_HINT = "install the runner CLIs with: sh tools/install-runners.sh";

export type Env = Record<string, string>;

export type RunnerSpec = {
  /** the runner's name: its preset in looop and its command */
  name: "pi" | "claude" | "codex" | "opencode";
  /** the API the runner speaks to the mock in this setup */
  api: Api;
  /** environment for every looop process (the runner inherits it) */
  env(mockUrl: string): Env;
  /** the runner's own config files under `home`, for data dir `dataDir` */
  setup(o: { home: string; dataDir: string; mockUrl: string }): Promise<void>;
  /** config.json keys besides `default` */
  config: Record<string, unknown>;
  /** the decide's cost as the runner's stream reports it (what looop must record) */
  streamCost(stream: string): number;
  /** the same cost recomputed from the tokens the mock returned and the runner's prices */
  tokenCost(turns: Recorded[]): number;
};

const isExecutable = (path: string) => {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
};

/** Where `bin` is: the project-local install first, then PATH; undefined when absent. */
export function findCli(bin: string): string | undefined {
  const dirs = [RUNNERS_BIN, ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean)];
  return dirs.map((d) => `${d}/${bin}`).find(isExecutable);
}

/** PATH for the looop processes: the project-local runners first. */
export function runnerPath(): string {
  return [RUNNERS_BIN, Deno.env.get("PATH") ?? "/usr/bin:/bin"].join(":");
}

const events = (stream: string) =>
  stream.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);

const usageOf = (r: Recorded) => r.reply?.usage ?? { input: 100, output: 20 };

const perMillion = (tokens: { input: number; output: number }, price: { input: number; output: number }) =>
  (tokens.input * price.input + tokens.output * price.output) / 1e6;

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n");
}

/** pi: a custom provider on the mock's chat-completions API, with its own price (USD per million tokens). */
const PI_PRICE = { input: 3, output: 15, cacheRead: 0, cacheWrite: 0 };

export const pi: RunnerSpec = {
  name: "pi",
  api: "openai-chat",
  env: () => ({ PI_OFFLINE: "1" }),
  async setup({ home, mockUrl }) {
    await writeJson(`${home}/.pi/agent/models.json`, {
      providers: {
        mock: {
          baseUrl: `${mockUrl}/v1`,
          api: "openai-completions",
          apiKey: "mock-key",
          compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
          models: [{
            id: "mock-model",
            name: "Mock model",
            reasoning: false,
            input: ["text"],
            cost: PI_PRICE,
            contextWindow: 200_000,
            maxTokens: 8192,
          }],
        },
      },
    });
    // No --model in the preset: pi's own default applies, as for a user. No retries: a failed
    // model call fails the decide at once.
    await writeJson(`${home}/.pi/agent/settings.json`, {
      defaultProvider: "mock",
      defaultModel: "mock-model",
      retry: { enabled: false, provider: { maxRetries: 0 } },
    });
  },
  config: {},
  // pi: every assistant message_end carries usage.cost.total; the run's cost is their sum.
  streamCost: (stream) =>
    events(stream).filter((e) => e.type === "message_end" && (e.message as { role?: string })?.role === "assistant")
      .reduce((sum, e) => sum + ((e.message as { usage: { cost: { total: number } } }).usage.cost.total), 0),
  tokenCost: (turns) => turns.reduce((sum, r) => sum + perMillion(usageOf(r), PI_PRICE), 0),
};

/** Claude's published prices per million tokens, by model family (claude-code picks its own default model). */
const CLAUDE_PRICES: [RegExp, { input: number; output: number }][] = [
  [/opus-4-[5-9]/, { input: 5, output: 25 }],
  [/opus/, { input: 15, output: 75 }],
  [/sonnet/, { input: 3, output: 15 }],
  [/haiku-4/, { input: 1, output: 5 }],
  [/haiku/, { input: 0.8, output: 4 }],
];
const CLAUDE_KEY = "sk-ant-mock-key-for-looop-tests-0123456789";

export const claude: RunnerSpec = {
  name: "claude",
  api: "anthropic",
  env: (mockUrl) => ({
    ANTHROPIC_BASE_URL: mockUrl,
    ANTHROPIC_API_KEY: CLAUDE_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
    // --dangerously-skip-permissions refuses root unless told it runs in a sandbox.
    ...(Deno.uid() === 0 ? { IS_SANDBOX: "1" } : {}),
  }),
  async setup({ home, dataDir }) {
    // The interactive worker stops at setup screens unless onboarding is done, the bypass mode
    // accepted, the API key approved (by its last 20 characters) and the data dir trusted.
    await writeJson(`${home}/.claude.json`, {
      hasCompletedOnboarding: true,
      bypassPermissionsModeAccepted: true,
      customApiKeyResponses: { approved: [CLAUDE_KEY.slice(-20)], rejected: [] },
      projects: {
        [await Deno.realPath(dataDir)]: {
          hasTrustDialogAccepted: true,
          hasCompletedProjectOnboarding: true,
          allowedTools: [],
        },
      },
    });
    await writeJson(`${home}/.claude/settings.json`, { skipDangerousModePermissionPrompt: true });
  },
  config: {},
  // claude: the final result event's total_cost_usd is the run's total.
  streamCost: (stream) => events(stream).filter((e) => e.type === "result").pop()?.total_cost_usd as number,
  tokenCost: (turns) =>
    turns.reduce((sum, r) => {
      const model = r.turn?.model ?? "";
      const price = CLAUDE_PRICES.find(([re]) => re.test(model))?.[1];
      if (!price) throw new Error(`no Claude price for model '${model}': add it to CLAUDE_PRICES`);
      return sum + perMillion(usageOf(r), price);
    }, 0),
};

/** codex reports tokens only: looop prices them with config.json's `prices` (USD per million tokens). */
const CODEX_PRICE = { input: 2, output: 10 };

export const codex: RunnerSpec = {
  name: "codex",
  api: "openai-responses",
  env: () => ({ MOCK_LLM_API_KEY: "mock-key" }),
  async setup({ home, dataDir, mockUrl }) {
    await Deno.mkdir(`${home}/.codex`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/.codex/config.toml`,
      [
        'model = "gpt-5"',
        'model_provider = "mock"',
        "",
        "[model_providers.mock]",
        'name = "mock"',
        `base_url = "${mockUrl}/v1"`,
        'wire_api = "responses"',
        'env_key = "MOCK_LLM_API_KEY"',
        "request_max_retries = 0",
        "stream_max_retries = 0",
        "",
        // Without it the interactive worker stops at the "trust this folder?" screen.
        `[projects.${JSON.stringify(await Deno.realPath(dataDir))}]`,
        'trust_level = "trusted"',
        "",
      ].join("\n"),
    );
  },
  config: { prices: { codex: CODEX_PRICE } },
  // codex: turn.completed carries input/output tokens, which looop prices with config.prices.
  streamCost: (stream) =>
    events(stream).filter((e) => e.type === "turn.completed").reduce((sum, e) => {
      const u = e.usage as { input_tokens: number; output_tokens: number };
      return sum + perMillion({ input: u.input_tokens, output: u.output_tokens }, CODEX_PRICE);
    }, 0),
  tokenCost: (turns) => turns.reduce((sum, r) => sum + perMillion(usageOf(r), CODEX_PRICE), 0),
};

/** opencode: a custom openai-compatible provider (bundled in the binary) with its own price. */
const OPENCODE_PRICE = { input: 3, output: 15 };
const OPENCODE_VERSION = "1.18.33";

export const opencode: RunnerSpec = {
  name: "opencode",
  api: "openai-chat",
  // No fetch of models.dev (its price list) on every run.
  env: () => ({ OPENCODE_DISABLE_MODELS_FETCH: "1" }),
  async setup({ home, mockUrl }) {
    const dir = `${home}/.config/opencode`;
    await writeJson(`${dir}/opencode.json`, {
      provider: {
        mock: {
          npm: "@ai-sdk/openai-compatible",
          name: "Mock",
          options: { baseURL: `${mockUrl}/v1`, apiKey: "mock-key" },
          models: {
            "mock-model": { name: "Mock model", cost: OPENCODE_PRICE, limit: { context: 200_000, output: 8192 } },
          },
        },
      },
      model: "mock/mock-model",
    });
    // A fresh config dir otherwise starts a background `npm install @opencode-ai/plugin` into it.
    await Deno.mkdir(`${dir}/node_modules`, { recursive: true });
    const deps = { "@opencode-ai/plugin": OPENCODE_VERSION };
    await writeJson(`${dir}/package.json`, { dependencies: deps });
    await writeJson(`${dir}/package-lock.json`, { lockfileVersion: 3, packages: { "": { dependencies: deps } } });
  },
  config: {},
  // opencode: every request is a step; each step_finish carries its cost, summed.
  streamCost: (stream) =>
    events(stream).filter((e) => e.type === "step_finish")
      .reduce((sum, e) => sum + ((e.part as { cost: number }).cost), 0),
  tokenCost: (turns) => turns.reduce((sum, r) => sum + perMillion(usageOf(r), OPENCODE_PRICE), 0),
};
