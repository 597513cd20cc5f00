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

/** The variables every sandboxed command gets from looop's environment (SPEC §10). */
const MINIMAL_ENV = ["PATH", "HOME", "LANG", "TZ", "TERM", "USER"];

/** looop's whole environment with `set` over it: what an agent CLI needs (its API keys), confined by the sandbox instead. */
export function wholeEnv(set: Record<string, string>): Record<string, string> {
  return { ...Deno.env.toObject(), ...set };
}

/**
 * The environment of sandboxed code: PATH, HOME, LANG and LC_*, TZ, TERM and USER from looop's
 * own, plus the variables `pass` names (sandbox.pass_env, narrowed by a sensor's header), with
 * `set` over them. Nothing else of the user's environment (API keys, tokens) gets in.
 */
export function minimalEnv(pass: readonly string[], set: Record<string, string>): Record<string, string> {
  const all = Deno.env.toObject();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (MINIMAL_ENV.includes(k) || k.startsWith("LC_") || pass.includes(k)) out[k] = v;
  }
  return { ...out, ...set };
}
