/** Environment and terminal facts, read through the permission list. */
import type { EnvName } from "./permissions.ts";

export function env(name: EnvName): string | undefined {
  const v = Deno.env.get(name);
  return v === "" ? undefined : v;
}

/** Colour only on a terminal and never when NO_COLOR is set. */
export function useColour(stream: { isTerminal(): boolean } = Deno.stdout): boolean {
  return env("NO_COLOR") === undefined && stream.isTerminal();
}
