/**
 * The built-in runner presets and the seeded config text (SPEC §3). Presets are code and pin no
 * model, so a later looop's better presets reach everyone who did not override them.
 * Kept free of zod so fast verbs can seed a data dir cheaply.
 */

export type CostSpec = { type: string; pointer: string; mode: "sum" | "total" };
export type PresetRunner = { tick: string; interactive: string; resume?: string; cost?: CostSpec };

/** The runner presets: code, so a later looop's better presets reach users who did not override them. */
export const RUNNER_PRESETS: Record<string, PresetRunner> = {
  pi: {
    tick: "pi -p --mode json",
    interactive: "pi @{{prompt_file}}",
    resume: "pi --session",
    cost: { type: "message_end", pointer: "/message/usage/cost/total", mode: "sum" },
  },
  claude: {
    tick: "claude -p --output-format stream-json --verbose --dangerously-skip-permissions",
    interactive: 'claude --dangerously-skip-permissions "$(cat {{prompt_file}})"',
    resume: "claude --resume",
    cost: { type: "result", pointer: "/total_cost_usd", mode: "total" },
  },
  codex: {
    tick: "codex exec --json --skip-git-repo-check -",
    // Nobody watches a worker's terminal: approvals would wait forever (as claude's flag above).
    // Codex 0.169 otherwise hosts its TUI in an app-server daemon that outlives `_ kill`; `-c`
    // (unlike `--disable`) is accepted by versions without that feature.
    interactive:
      'codex --dangerously-bypass-approvals-and-sandbox -c features.daemon_auto_start=false "$(cat {{prompt_file}})"',
  },
  opencode: {
    tick: "opencode run --format json",
    interactive: 'opencode --prompt "$(cat {{prompt_file}})"',
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
