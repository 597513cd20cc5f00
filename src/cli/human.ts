/** The HUMAN surface that needs no pulse: version, help, cost, shell completion. */
import type { Command } from "@commander-js/extra-typings";
import { completionScript, type VerbTree } from "../core/completion.ts";
import { spendByDay, spentToday } from "../core/cost.ts";
import { LooopError } from "../core/errors.ts";
import { MANUAL } from "../core/manual.ts";
import { localDay } from "../core/time.ts";
import { VERSION } from "../core/version.ts";
import { readLedger } from "../store/ledger.ts";
import { config, dataDir } from "./context.ts";
import { print, printJson, styles } from "./io.ts";

const usd = (n: number) => `$${n.toFixed(4)}`;

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
    .action(() => print(MANUAL));

  program.command("cost").description("spend from the ledger: per day, per kind (tick/session), per id")
    .argument("[range]", "today or all", "today")
    .option("--json", "print one JSON document")
    .action(async (range, o) => {
      if (range !== "today" && range !== "all") {
        throw new LooopError(`unknown range '${range}'`, "use `looop cost today` or `looop cost all`");
      }
      const dd = await dataDir();
      const now = new Date();
      const { records, badLines } = await readLedger(dd);
      const today = localDay(now);
      const days = spendByDay(records).filter((d) => range === "all" || d.day === today);
      const total = Math.round(days.reduce((s, d) => s + d.total_usd, 0) * 1e6) / 1e6;
      const budget = (await config(dd)).max_daily_usd ?? null;
      if (o.json) {
        return printJson({
          range,
          days,
          total_usd: total,
          today_usd: spentToday(records, now),
          budget_usd: budget,
          bad_lines: badLines,
        });
      }
      const { bold, dim } = styles();
      if (!days.length) print(range === "today" ? "no spend today" : "no spend recorded");
      for (const d of days) {
        print(
          `${bold(d.day)}  ${usd(d.total_usd)}  ${
            dim(`tick ${usd(d.by_kind.tick)}, session ${usd(d.by_kind.session)}`)
          }`,
        );
        for (const [id, v] of Object.entries(d.by_id)) print(`  ${id.padEnd(24)} ${usd(v)}`);
      }
      if (range === "all" && days.length > 1) print(`${bold("total")}       ${usd(total)}`);
      if (budget !== null) print(dim(`budget: ${usd(spentToday(records, now))} of $${budget} today`));
      if (badLines) print(dim(`${badLines} unreadable ledger line(s) skipped`));
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
