/**
 * Shell completion scripts for `looop config zsh|bash`. Verbs come from the CLI's own tree; live
 * ids (goals, sessions, asks, sensors) come from calling `looop _ ids <kind>` at completion time.
 */

export type VerbTree = { [verb: string]: VerbTree };

/** Where a live id is expected, by the verbs before it. */
const LIVE_IDS: Record<string, "goals" | "sessions" | "asks" | "sensors" | "claims" | "schedules"> = {
  "_ answer": "asks",
  "_ goal write": "goals",
  "_ goal archive": "goals",
  "_ sensor write": "sensors",
  "_ worker start": "goals",
  "_ kill": "sessions",
  "_ tell": "sessions",
  "_ told": "sessions",
  "_ screenshot": "sessions",
  "_ ask": "sessions",
  "_ unclaim": "claims",
  "_ schedule rm": "schedules",
  "watch": "sessions",
};

const FIXED_WORDS: Record<string, string[]> = {
  cost: ["today", "all"],
  config: ["zsh", "bash"],
};

type Case = { path: string; words: string[] } | { path: string; live: string };

function cases(tree: VerbTree): Case[] {
  const out: Case[] = [];
  const walk = (node: VerbTree, path: string) => {
    const verbs = Object.keys(node);
    if (verbs.length) out.push({ path, words: verbs });
    for (const v of verbs) walk(node[v], path ? `${path} ${v}` : v);
  };
  walk(tree, "");
  for (const [path, words] of Object.entries(FIXED_WORDS)) out.push({ path, words });
  for (const [path, live] of Object.entries(LIVE_IDS)) out.push({ path, live });
  // A verb with both subverbs and a fixed list keeps the first (the tree); that never happens today.
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.path) && seen.add(c.path));
}

/** A shell pattern matching the options that take a value (their value is not a verb). */
const valuePattern = (valueOptions: string[]) => valueOptions.length ? valueOptions.join("|") : "--no-such-option";

function bash(tree: VerbTree, valueOptions: string[]): string {
  const arms = cases(tree).map((c) =>
    "words" in c
      ? `    ${JSON.stringify(c.path)}) words=${JSON.stringify(c.words.join(" "))} ;;`
      : `    ${JSON.stringify(c.path)}) words=$(looop _ ids ${c.live} 2>/dev/null) ;;`
  );
  return [
    "# looop completion for bash. Load it with:  source <(looop config bash)",
    "_looop_complete() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" verbs="" words="" i',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    case "${COMP_WORDS[i]}" in',
    `      ${valuePattern(valueOptions)}) i=$((i + 1)) ;;`,
    "      -*) ;;",
    '      *) verbs="${verbs:+$verbs }${COMP_WORDS[i]}" ;;',
    "    esac",
    "  done",
    '  case "$verbs" in',
    ...arms,
    "  esac",
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    "}",
    "complete -F _looop_complete looop",
  ].join("\n");
}

function zsh(tree: VerbTree, valueOptions: string[]): string {
  const arms = cases(tree).map((c) =>
    "words" in c
      ? `    ${JSON.stringify(c.path)}) vals=(${c.words.join(" ")}) ;;`
      : `    ${JSON.stringify(c.path)}) vals=(\${(f)"$(looop _ ids ${c.live} 2>/dev/null)"}) ;;`
  );
  return [
    "#compdef looop",
    "# looop completion for zsh. Load it with:  source <(looop config zsh)",
    "_looop() {",
    "  local verbs w skip=0",
    "  local -a vals",
    "  for w in ${words[2,CURRENT-1]}; do",
    "    if (( skip )); then skip=0; continue; fi",
    `    case $w in ${valuePattern(valueOptions)}) skip=1 ;; -*) ;; *) verbs="\${verbs:+\$verbs }\$w" ;; esac`,
    "  done",
    '  case "$verbs" in',
    ...arms,
    "  esac",
    "  compadd -- $vals",
    "}",
    "compdef _looop looop",
  ].join("\n");
}

/** `valueOptions`: the long options that take a value, e.g. --journal, so their value is skipped. */
export function completionScript(shell: "zsh" | "bash", tree: VerbTree, valueOptions: string[] = []): string {
  return shell === "bash" ? bash(tree, valueOptions) : zsh(tree, valueOptions);
}
