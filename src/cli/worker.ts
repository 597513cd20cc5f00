/**
 * The WORKER self-callbacks: `_ ask`, `_ told`, `_ kill`, `_ tell`, `_ claim`, `_ unclaim`, `_ cost`.
 * `<id>` defaults to $LOOOP_SESSION_ID.
 */
import type { Command } from "@commander-js/extra-typings";
import { Exit, LooopError } from "../core/errors.ts";
import { parseUsd } from "../core/cost.ts";
import { awaitAnswer, deliver, expireAsksOfGone, openAsk } from "../mailbox/ask.ts";
import { claim, unclaim } from "../mailbox/claims.ts";
import { deliverTells, tellLine, toldNow } from "../mailbox/tells.ts";
import { type PendingTells, whileAsking } from "../store/tells.ts";
import { recordCost } from "../cost/ledger.ts";
import { env } from "../sys/env.ts";
import { dataDir, workers } from "./context.ts";
import { print, secondsArg } from "./io.ts";

function sessionOr(given: string | undefined, what: string): string {
  const id = given ?? env("LOOOP_SESSION_ID");
  if (!id) {
    throw new LooopError(
      `no session id for ${what}`,
      "pass it, or run inside a worker (LOOOP_SESSION_ID is set there)",
    );
  }
  return id;
}

function usdArg(text: string): number {
  const usd = parseUsd(text);
  if (usd === undefined) throw new LooopError(`'${text}' is not an amount in USD`, "give a number ≥ 0, e.g. 0.42");
  return usd;
}

/** Delivered tells, one line each (after an answer: a blank line first); what was skipped, on stderr. */
function printTells({ tells, skipped }: PendingTells, afterAnswer: boolean): void {
  for (const s of skipped) console.error(`looop: warning: skipped ${s.name} in the tells: ${s.why}`);
  if (!tells.length) return;
  print((afterAnswer ? "\n" : "") + tells.map(tellLine).join("\n"));
}

export function registerWorker(under: Command) {
  under.command("ask").description("ask a human and block until answered; prints the answer")
    .argument("[id]", "the asking worker (default $LOOOP_SESSION_ID)")
    .requiredOption("--prompt <text>", "the question, with what the human needs to decide")
    .option("--ref <path>", "a file the human should read (e.g. reports/plan.md)")
    .option("--options <a,b>", "the allowed answers, comma-separated")
    .option(
      "--timeout <s>",
      "stop waiting after this many seconds (exit 124; the ask stays pending; default $LOOOP_ASK_TIMEOUT_S, else none)",
    )
    .action(async (id, o) => {
      const dd = await dataDir();
      const worker = sessionOr(id, "_ ask");
      const options = o.options?.split(",").map((s) => s.trim()).filter(Boolean);
      if (o.options !== undefined && !options?.length) {
        throw new LooopError("empty --options", "list the allowed answers, e.g. --options yes,no");
      }
      const timeoutS = o.timeout !== undefined
        ? secondsArg(o.timeout, "--timeout")
        : secondsArg(env("LOOOP_ASK_TIMEOUT_S") || undefined, "LOOOP_ASK_TIMEOUT_S");
      const { ask } = await openAsk(dd, { worker, prompt: o.prompt, ref: o.ref, options }, new Date());
      const pollMs = Number(env("LOOOP_ASK_POLL_MS") ?? 1000) || 1000;
      // While it waits, the worker's host holds its tells back: they come with the answer.
      const { answer, told } = await whileAsking(dd, worker, async () => {
        const answer = await awaitAnswer(dd, ask, timeoutS, pollMs);
        return { answer, told: await deliverTells(dd, worker, "answer") };
      });
      print(answer.answer);
      printTells(told, true);
      await deliver(dd, ask.id, new Date());
    });

  under.command("told").description("print the tells not yet delivered to a worker, oldest first, each once")
    .argument("[id]", "the worker (default $LOOOP_SESSION_ID)")
    .action(async (id) => {
      printTells(await toldNow(await dataDir(), sessionOr(id, "_ told")), false);
    });

  under.command("kill").description("end a worker session and everything it started (refuses `pulse`)")
    .argument("[id]", "the session (default $LOOOP_SESSION_ID)")
    .action(async (id) => {
      const session = sessionOr(id, "_ kill");
      const dd = await dataDir();
      // A worker ending itself (the contract's last step) is done, not killed by a human.
      const self = env("LOOOP_SESSION_ID") === session;
      const r = await workers(dd).kill(session, { self });
      await expireAsksOfGone(dd, new Date()); // its asks end with it, everywhere they were shown
      if (r.kind === "not-signalled") {
        throw new LooopError(
          `did not signal ${session}: ${r.why}`,
          "looop signals only a process it can verify as the session's own; end it yourself if you are sure",
          Exit.refused,
        );
      }
      print(
        r.kind === "killed"
          ? `killed ${session}${r.forced ? " (SIGKILL after the grace period)" : ""}`
          : `${session} had already ended (${r.state})`,
      );
    });

  under.command("tell").description(
    "tell a live worker something: it comes with its next answer, by `_ told`, or typed in after the grace",
  )
    .argument("<id>").argument("<text>").allowUnknownOption()
    .option("--now", "type it in at once unless the worker waits on an ask (no grace)")
    .action(async (id, text, o) => {
      await workers(await dataDir()).tell(id, text, { now: !!o.now });
      print(`told ${id}`);
    });

  under.command("claim").description("take an exclusive lease on a shared resource (exit 1 if a live session holds it)")
    .argument("<name>")
    .option("--session <id>", "the claiming session (default $LOOOP_SESSION_ID)")
    .action(async (name, o) => {
      const session = sessionOr(o.session, "_ claim");
      const r = await claim(await dataDir(), name, session, new Date());
      print(
        r.kind === "taken-over"
          ? `claimed ${name} (taken over from dead session ${r.from})`
          : r.kind === "already-yours"
          ? `${name} is already claimed by ${session}`
          : `claimed ${name}`,
      );
    });

  under.command("unclaim").description("release a lease you hold")
    .argument("<name>")
    .option("--session <id>", "the releasing session (default $LOOOP_SESSION_ID)")
    .action(async (name, o) => {
      const session = sessionOr(o.session, "_ unclaim");
      const r = await unclaim(await dataDir(), name, session);
      print(r === "released" ? `released ${name}` : `${name} was not claimed`);
    });

  under.command("cost").description("record spend: `_ cost session <id> <runner> <usd>` or `_ cost <usd>`")
    .argument("<args...>")
    .action(async (args) => {
      let id: string, runner: string, usd: number;
      if (args[0] === "session" && args.length === 4) {
        [id, runner, usd] = [args[1], args[2], usdArg(args[3])];
      } else if (args.length === 1) {
        id = sessionOr(undefined, "_ cost");
        runner = env("LOOOP_RUNNER") ?? "";
        if (!runner) {
          throw new LooopError("no runner for _ cost", "use `_ cost session <id> <runner> <usd>` outside a worker");
        }
        usd = usdArg(args[0]);
      } else {
        throw new LooopError("usage: _ cost session <id> <runner> <usd> | _ cost <usd>", "see `looop help`");
      }
      const rec = await recordCost(await dataDir(), { kind: "session", id, runner, usd, now: new Date() });
      print(rec ? `recorded $${rec.cost_usd} for ${id} (${runner})` : "nothing to record (0 USD)");
    });
}
