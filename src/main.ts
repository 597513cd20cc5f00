/**
 * looop's entry point and the ONLY place that exits. Five verbs skip the commander program:
 * `_ state`, which must start almost as fast as an empty script, the plain `_ answer`, which a
 * blocked worker waits on, `_ host`, the session host that lives as long as its worker and
 * must stay small, `_ pulse`, the long-lived pulse, and `_ ts-sensor`, a Deno-native sensor's own
 * process. Everything else goes through commander.
 */
import { LooopError } from "./core/errors.ts";

/**
 * A verb's module, imported by a computed URL: Deno then loads only the modules the verb needs,
 * instead of preparing all of looop (every npm package included) before the first line runs,
 * which is 5 ms of `_ state`. `deno compile` cannot see these imports: tools/release.ts names
 * them in COMPILE_INCLUDES (tests/dist/release_test.ts checks the two lists agree).
 */
function load<T>(path: string): Promise<T> {
  return import(new URL(path, import.meta.url).href);
}

async function dispatch(args: string[]): Promise<number> {
  const [a, b, ...rest] = args;
  if (a === "_" && b === "state" && (rest.length === 0 || (rest.length === 1 && rest[0] === "--json"))) {
    const { stateCommand } = await load<typeof import("./cli/state.ts")>("./cli/state.ts");
    await stateCommand({ json: rest[0] === "--json" });
    return 0;
  }
  const json = rest.length === 1 && rest[0] === "--json";
  const sessions = a === "_" && b === "sessions" && (rest.length === 0 || json);
  const workerList = a === "_" && b === "worker" && rest[0] === "list" &&
    (rest.length === 1 || (rest.length === 2 && rest[1] === "--json"));
  if (sessions || workerList) {
    const { sessionsCommand } = await load<typeof import("./cli/state.ts")>("./cli/state.ts");
    await sessionsCommand({ json: sessions ? json : rest[1] === "--json", workersOnly: workerList });
    return 0;
  }
  // The plain `_ answer <ask_id> <text>` a blocked worker waits on; anything with an option goes to commander.
  if (a === "_" && b === "answer" && rest.length === 2 && !rest.some((r) => r.startsWith("-"))) {
    const { answerCommand } = await load<typeof import("./cli/answer.ts")>("./cli/answer.ts");
    await answerCommand(rest[0], rest[1]);
    return 0;
  }
  if (a === "_" && b === "host" && rest.length === 1) {
    const { hostCommand } = await load<typeof import("./cli/host.ts")>("./cli/host.ts");
    return await hostCommand(rest[0]);
  }
  if (a === "_" && b === "pulse" && (rest.length === 0 || (rest.length === 1 && rest[0] === "--json"))) {
    const { pulseCommand } = await load<typeof import("./cli/pulse_run.ts")>("./cli/pulse_run.ts");
    return await pulseCommand({ json: rest[0] === "--json" });
  }
  if (a === "_" && b === "ts-sensor") {
    const { tsSensorCommand } = await load<typeof import("./cli/ts_sensor.ts")>("./cli/ts_sensor.ts");
    return await tsSensorCommand(rest);
  }
  const { run } = await load<typeof import("./cli/program.ts")>("./cli/program.ts");
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
      const { explainMissingPermission } = await load<typeof import("./sys/permissions.ts")>("./sys/permissions.ts");
      console.error(`looop: ${explainMissingPermission(e.message) ?? `missing Deno permission: ${e.message}`}`);
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
