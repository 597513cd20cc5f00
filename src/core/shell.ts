/** POSIX shell quoting, for paths substituted into runner commands and launcher scripts. */

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

/** A launcher script that runs `argv` with the caller's arguments appended. */
export function launcherScript(argv: string[]): string {
  return `#!/bin/sh\n# Written by looop: runs looop from source with its permission set.\nexec ${
    argv.map(shellQuote).join(" ")
  } "$@"\n`;
}
