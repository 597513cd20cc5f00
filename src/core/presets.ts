/**
 * The built-in runner presets and the seeded config text (SPEC §3). Presets are code and pin no
 * model, so a later looop's better presets reach everyone who did not override them.
 * Kept free of zod so fast verbs can seed a data dir cheaply.
 */

export type CostSpec = { type: string; pointer: string; mode: "sum" | "total" };
/** `state`: what the CLI writes of its own, for its confined decide: "~/.dir/" is a dir (made if missing), "~/.file" a file (writable if there). */
export type PresetRunner = { tick: string; interactive: string; resume?: string; cost?: CostSpec; state?: string[] };

/** The decide's own system prompt, for the CLIs that take one instead of their agent prompt. */
export const DECIDER_SYSTEM = "You are the decider of looop. You have no tools: answer the user message with " +
  "exactly one JSON object, the move it asks for.";

/**
 * What the decide's `tick` leaves out, per CLI (SPEC §10: the decide is text): every tool, MCP
 * server, plugin, extension and skill, every project context file (AGENTS.md, CLAUDE.md), and the
 * session kept on disk; with the CLI's own agent prompt replaced by DECIDER_SYSTEM where it can
 * be. codex (0.169) also runs in its read-only sandbox; its last two tools go by a feature switch
 * (view_image) and a tools setting (request_user_input), which its --help does not list.
 */
const CODEX_TOOLLESS = [
  "--ephemeral",
  "--sandbox read-only",
  ...["shell_tool", "unified_exec", "goals", "multi_agent", "apps", "plugins", "image_generation", "sleep_tool"]
    .map((f) => `--disable ${f}`),
  "--disable view_image -c tools.experimental_request_user_input.enabled=false",
  "--disable tool_suggest --disable skill_search",
  "-c skills.include_instructions=false -c skills.bundled.enabled=false",
  "-c include_permissions_instructions=false -c include_environment_context=false -c include_apps_instructions=false",
  "-c project_doc_max_bytes=0 -c web_search=disabled",
  `-c 'instructions=${JSON.stringify(DECIDER_SYSTEM)}'`,
].join(" ");

/**
 * opencode (1.18): an agent of looop's own with every permission denied (no tool reaches the
 * request, whatever the user's config allows) and DECIDER_SYSTEM as its prompt; the title agent
 * off (its extra request carried the whole prompt, unmetered); no snapshot of a git worktree; the
 * env switches: no project config, AGENTS.md or CLAUDE.md (opencode reads them from the cwd and
 * every parent), no ~/.claude/CLAUDE.md, no plugins, no session database on disk, and no native
 * file finder (each run otherwise leaves a 5.5 MB library in /tmp). Not switchable: a global
 * ~/.config/opencode/AGENTS.md, `instructions` and MCP servers of the user's own config.
 */
const OPENCODE_DECIDE_CONFIG = JSON.stringify({
  agent: {
    "looop-decide": { mode: "primary", prompt: DECIDER_SYSTEM, permission: { "*": "deny" } },
    title: { disable: true },
  },
  snapshot: false,
}).replaceAll(" ", "\\u0020"); // the same JSON, one shell word with no blank: the program is the word after it
const OPENCODE_TOOLLESS_ENV = [
  "OPENCODE_DISABLE_PROJECT_CONFIG=1",
  "OPENCODE_DISABLE_CLAUDE_CODE=1",
  "OPENCODE_PURE=1",
  "OPENCODE_DISABLE_FFF=1",
  "OPENCODE_DB=:memory:",
  `OPENCODE_CONFIG_CONTENT='${OPENCODE_DECIDE_CONFIG.replaceAll("'", `'\\''`)}'`,
].join(" ");

/** The runner presets: code, so a later looop's better presets reach users who did not override them. */
export const RUNNER_PRESETS: Record<string, PresetRunner> = {
  pi: {
    tick: "pi -p --mode json --no-tools --no-extensions --no-skills --no-context-files --no-session",
    interactive: "pi @{{prompt_file}}",
    resume: "pi --session",
    cost: { type: "message_end", pointer: "/message/usage/cost/total", mode: "sum" },
    state: ["~/.pi/"],
  },
  claude: {
    // No CLAUDE.md (claude looks for them in every parent dir) and no project settings either.
    tick: "CLAUDE_CODE_DISABLE_CLAUDE_MDS=1 CLAUDE_CODE_DISABLE_AUTO_MEMORY=1 claude -p --output-format stream-json " +
      `--verbose --tools "" --strict-mcp-config --setting-sources user --no-session-persistence ` +
      `--system-prompt ${JSON.stringify(DECIDER_SYSTEM)}`,
    interactive: 'claude --dangerously-skip-permissions "$(cat {{prompt_file}})"',
    resume: "claude --resume",
    cost: { type: "result", pointer: "/total_cost_usd", mode: "total" },
    state: ["~/.claude/", "~/.claude.json"],
  },
  codex: {
    tick: `codex exec --json --skip-git-repo-check ${CODEX_TOOLLESS} -`,
    // Nobody watches a worker's terminal: approvals would wait forever (as claude's flag above).
    // Codex 0.169 otherwise hosts its TUI in an app-server daemon that outlives `_ kill`; `-c`
    // (unlike `--disable`) is accepted by versions without that feature.
    interactive:
      'codex --dangerously-bypass-approvals-and-sandbox -c features.daemon_auto_start=false "$(cat {{prompt_file}})"',
    state: ["~/.codex/"],
  },
  opencode: {
    tick: `${OPENCODE_TOOLLESS_ENV} opencode run --format json --agent looop-decide`,
    interactive: 'opencode --prompt "$(cat {{prompt_file}})"',
    state: ["~/.config/opencode/", "~/.local/share/opencode/", "~/.local/state/opencode/", "~/.cache/opencode/"],
  },
};

/** The seeded config: short, with the presets shown as comments (SPEC §3). */
export function seedConfigText(): string {
  const presetLines = Object.entries(RUNNER_PRESETS).flatMap(([name, r]) => [
    `  //   "${name}": { "tick": ${JSON.stringify(r.tick)},`,
    `  //   ${" ".repeat(name.length + 4)}"interactive": ${JSON.stringify(r.interactive)} },`,
  ]);
  return [
    "// looop configuration (JSONC: comments and trailing commas are fine). `looop help` explains every key.",
    "{",
    '  // the runner CLI used to decide and for workers: "pi", "claude", "codex" or "opencode"',
    '  "default": "pi",',
    "  // seconds between beats (LOOOP_INTERVAL overrides)",
    '  "interval": 60,',
    "  // optional daily budget breaker in USD:",
    '  // "max_daily_usd": 5,',
    '  // built-in runner presets (override a field by naming the runner under "runners"):',
    '  // "runners": {',
    ...presetLines,
    "  // },",
    "}",
    "",
  ].join("\n");
}
