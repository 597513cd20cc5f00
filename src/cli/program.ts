/** The commander program: every surface registered on one tree, parsed, and errors made looop errors. */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { Exit, LooopError } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { registerHuman } from "./human.ts";
import { registerSteer } from "./steer.ts";
import { registerPulseHuman, registerPulseSteer } from "./pulse.ts";
import { registerWatch } from "./watch.ts";
import { registerDemo } from "./demo.ts";
import { registerWorker } from "./worker.ts";
import { takeExitCode } from "./io.ts";

export function buildProgram(): Command {
  const program = new Command("looop")
    .description("an autonomous control loop for agent-driven work (`looop help` for the manual)")
    .version(VERSION, "-V, --version", "print the version")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  registerHuman(program as unknown as Command);
  registerPulseHuman(program as unknown as Command);
  registerWatch(program as unknown as Command);
  registerDemo(program as unknown as Command);
  const under = program.command("_").description("steering and worker verbs (`looop _ --help`)")
    .helpCommand(false);
  registerSteer(under as unknown as Command);
  registerWorker(under as unknown as Command);
  registerPulseSteer(under as unknown as Command);
  for (const c of [program, under, ...under.commands, ...under.commands.flatMap((c) => c.commands)]) {
    (c as Command).exitOverride().configureOutput({ outputError: () => {} });
  }
  return program as unknown as Command;
}

/** Parse and run; commander's own errors become one-line usage errors (exit 2). */
export async function run(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return takeExitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0) return Exit.ok;
      if (e.code === "commander.help") return Exit.ok;
      const what = e.message.replace(/^error:\s*/, "").split("\n")[0];
      throw new LooopError(what, "see `looop --help` or `looop help`", Exit.usage);
    }
    throw e;
  }
}
