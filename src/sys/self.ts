/**
 * How to run looop itself again (the session host, the detached pulse, a worker's $LOOOP_BIN):
 * the executable alone when compiled; from source, Deno with the one permission set and main.ts.
 */
import { backgroundFlags, PERMISSION_FLAGS, SELF_ENV } from "./permissions.ts";

const MAIN = new URL("../main.ts", import.meta.url);

/** A `deno compile`d looop runs as itself; from source, the executable is Deno. */
export function isCompiled(): boolean {
  const exe = Deno.execPath().split("/").pop() ?? "";
  return !/^deno(\.exe)?$/.test(exe);
}

/** `background`: for the pulse and a session host, which from source also get backgroundFlags(). */
export function selfArgv(opts: { background?: boolean } = {}): string[] {
  if (isCompiled()) return [Deno.execPath()];
  const flags = opts.background ? backgroundFlags() : PERMISSION_FLAGS;
  return [Deno.execPath(), "run", "--quiet", ...flags, MAIN.pathname];
}

/** What to add to the environment of looop run again: SELF_ENV from source, nothing compiled. */
export function selfEnv(): Record<string, string> {
  return isCompiled() ? {} : { ...SELF_ENV };
}

/** The running executable (Deno itself when run from source). */
export function execPath(): string {
  return Deno.execPath();
}

/** The working directory, for paths given relative to it. */
export function workingDir(): string {
  return Deno.cwd();
}
