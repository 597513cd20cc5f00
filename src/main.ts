/**
 * looop's entry point and the ONLY place that exits. `_ state` takes a fast path that loads
 * neither commander nor zod (it must start almost as fast as an empty script); everything else
 * goes through the commander program.
 */
import { LooopError } from "./core/errors.ts";

async function dispatch(args: string[]): Promise<number> {
  const [a, b, ...rest] = args;
  if (a === "_" && b === "state" && (rest.length === 0 || (rest.length === 1 && rest[0] === "--json"))) {
    const { stateCommand } = await import("./cli/state.ts");
    await stateCommand({ json: rest[0] === "--json" });
    return 0;
  }
  const { run } = await import("./cli/program.ts");
  return await run(args);
}

async function main(): Promise<never> {
  let code: number;
  try {
    code = await dispatch(Deno.args);
  } catch (e) {
    if (e instanceof LooopError) {
      if (e.detail) console.log(e.detail);
      console.error(`looop: ${e.message}`);
      code = e.code;
    } else if (e instanceof Deno.errors.NotCapable) {
      console.error(`looop: missing Deno permission: ${e.message} — run looop through its task or release binary`);
      code = 2;
    } else {
      const msg = e instanceof Error ? e.message : String(e);
      console.error(`looop: unexpected error: ${msg.split("\n")[0]} — please report it with the command you ran`);
      code = 1;
    }
  }
  Deno.exit(code);
}

if (import.meta.main) await main();
