/** POSIX shell quoting for runner commands and launcher scripts, and reading what a run_shell left. */

/** `s` as one single-quoted shell word. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The program a shell command line runs first (skipping VAR=value assignments), if plain. */
export function commandProgram(cmd: string): string | undefined {
  for (const word of cmd.trim().split(/\s+/)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    return /^[A-Za-z0-9_./+-]+$/.test(word) ? word : undefined;
  }
  return undefined;
}

/** A launcher script that runs `argv` with the caller's arguments appended, and `env` added to its environment. */
export function launcherScript(argv: string[], env: Record<string, string> = {}): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `).join("");
  return `#!/bin/sh\n# Written by looop: runs looop from source with its permission set.\n${vars}exec ${
    argv.map(shellQuote).join(" ")
  } "$@"\n`;
}

/** The last `max` characters of `text`, marked when cut, for a prompt section. */
export function tailOf(text: string, max: number): string {
  const t = text.trimEnd();
  return t.length <= max ? t : `[… ${t.length - max} characters before]\n${t.slice(-max)}`;
}

/**
 * Did the OS sandbox refuse the command something? Inside bubblewrap a write outside the writable
 * paths fails with EROFS or EACCES, a connection outside the allowed hosts is refused by the proxy.
 * The command's own status can still be 0 (`cmd || true`, a pipeline), so its stderr is what says.
 */
export function sandboxDenied(stderr: string): boolean {
  return /Read-only file system|Permission denied|Operation not permitted|blocked by network allowlist|CONNECT tunnel failed|403 Forbidden/i
    .test(stderr);
}
