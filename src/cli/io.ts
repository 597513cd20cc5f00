/** Printing for the CLI: JSON documents, optional colour, and reading a body from stdin. */
import { LooopError } from "../core/errors.ts";
import { useColour } from "../sys/env.ts";

/**
 * The exit code of an action that ends without an error (a pulse stopped by SIGTERM: 143).
 * commander drops what an action returns: the action leaves its code here, and run() hands it
 * to main.ts as a value.
 */
let actionExit = 0;

export function exitWith(code: number): void {
  actionExit = code;
}

export function takeExitCode(): number {
  const code = actionExit;
  actionExit = 0;
  return code;
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

export function print(text: string): void {
  console.log(text);
}

/** Bold/dim/colour on a TTY only, and never with NO_COLOR. */
export function styles() {
  const on = useColour();
  const wrap = (open: number, close: number) => (s: string) => on ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39) };
}

/** The body given inline, or all of stdin when omitted or "-". */
export async function bodyArg(value: string | undefined, what: string): Promise<string> {
  if (value !== undefined && value !== "-") return value;
  if (Deno.stdin.isTerminal()) {
    console.error(`reading the ${what} from the terminal; end it with Ctrl-D`);
  }
  const text = await new Response(Deno.stdin.readable).text();
  if (!text.trim()) {
    throw new LooopError(`empty ${what} on stdin`, `pass the ${what} as an argument or pipe it in`);
  }
  return text;
}

/** Seconds given on the command line: a finite number ≥ 0. */
export function secondsArg(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n < 0) {
    throw new LooopError(
      `${flag} must be a number of seconds, got '${value}'`,
      `e.g. ${flag}${flag.startsWith("-") ? " " : "="}30`,
    );
  }
  return n;
}
