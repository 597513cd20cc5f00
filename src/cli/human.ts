/** The HUMAN surface that needs no pulse: version, help, cost, shell completion. */
import type { Command } from "@commander-js/extra-typings";
import { completionScript, type VerbTree } from "./ui/completion.ts";
import { LooopError } from "../core/errors.ts";
import { fillTemplate } from "../core/template.ts";
import { VERSION } from "../core/version.ts";
import MANUAL from "../texts/manual.txt" with { type: "text" };
import { dataDir } from "./context.ts";
import { print, printJson } from "./io.ts";
import { printCost } from "./report.ts";

/** Verbs and their subverbs, read off the commander program so completion never drifts from it. */
function verbTree(program: Command): VerbTree {
  const visible = (c: Command) => c.commands.filter((s) => !(s as unknown as { _hidden?: boolean })._hidden);
  const walk = (c: Command): VerbTree => Object.fromEntries(visible(c).map((s) => [s.name(), walk(s as Command)]));
  return walk(program);
}

/** Every long option in the program that takes a value. */
function valueOptions(program: Command): string[] {
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap((s) => all(s as Command))];
  const longs = all(program).flatMap((c) => c.options.filter((o) => o.required || o.optional).map((o) => o.long));
  return [...new Set(longs.filter((l): l is string => !!l))].sort();
}

export function registerHuman(program: Command) {
  program.command("version").description("print looop's version")
    .option("--json", "print one JSON document")
    .action((o) => {
      if (o.json) printJson({ version: VERSION, deno: Deno.version.deno });
      else print(`looop ${VERSION}`);
    });

  program.command("help").description("print the full manual")
    .action(() => print(fillTemplate(MANUAL, { version: VERSION })));

  program.command("cost").description("spend from the ledger: per day, per kind (tick/session), per id")
    .argument("[range]", "today or all", "today")
    .option("--json", "print one JSON document")
    .action(async (range, o) => {
      if (range !== "today" && range !== "all") {
        throw new LooopError(`unknown range '${range}'`, "use `looop cost today` or `looop cost all`");
      }
      await printCost(await dataDir(), range, !!o.json);
    });

  program.command("config").description("print shell completion: `looop config zsh` or `looop config bash`")
    .argument("<shell>", "zsh or bash")
    .action((shell) => {
      if (shell !== "zsh" && shell !== "bash") {
        throw new LooopError(`no completion for '${shell}'`, "use `looop config zsh` or `looop config bash`");
      }
      print(completionScript(shell, verbTree(program), valueOptions(program)));
    });
}
