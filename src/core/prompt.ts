/**
 * The decide prompt (SPEC §6), ordered so that what changes least comes first and a runner's
 * prompt cache keeps the longest prefix: instructions and the constitution (identical on every
 * beat), the PLAYBOOK, the goals, then the readings (with the flapping sensors and stuck workers),
 * asks, what changed, a run_shell's output, the last failure, fairness, the journal, and NOW last. Every section has a cap and the whole a
 * budget; the largest sections are trimmed first.
 */
import { formatAge } from "./duration.ts";
import type { Ask, ShellOutput } from "./schemas.ts";

export const CONSTITUTION =
  `These rules are fixed in looop. They come before the PLAYBOOK and override it; no move can change them.
1. Never do irreversible things: merge, deploy, delete data, close issues, post public comments, force-push, spend money. Prepare them, then start a worker that asks a human at the point of no return.
2. run_shell is ONE reversible, non-destructive command. When unsure whether something is reversible, treat it as irreversible.
3. Only the pulse writes PLAYBOOK.md, goals/ and sensors/, and only through moves.
4. Ask, don't guess: a decision that belongs to a human goes to a human, through a worker's ask.
5. write_playbook may tune the PLAYBOOK but never weaken these rules.`;

export const INSTRUCTIONS =
  `You are the decider of looop, an autonomous control loop for agent-driven work. This process is disposable: everything you need is below, and everything you decide is carried out by looop, not by you. You have no tools and no files: answer with text only.

Read the world below and emit exactly ONE move as ONE JSON object. Do not perform the move yourself. Do not edit files (PLAYBOOK.md, goals/, sensors/ change only through moves). Answer with the JSON object alone, or with it in a \`\`\`json block.

Moves:
- {"action":"noop","reason":"…"}: do nothing; your journal line is how the human hears from looop.
- {"action":"run_shell","cmd":"…","reason":"…"}: one reversible, non-destructive shell command (bash, in the data dir, 5 min timeout). Irreversible commands are refused.
- {"action":"write_goal","id":"…","body":"…"}: create or replace goals/<id>.md (markdown; optional frontmatter "goal: <one line>").
- {"action":"archive_goal","id":"…"}: move goals/<id>.md to goals/archive/.
- {"action":"write_sensor","name":"…","script":"…"}: create or replace sensors/<name>.sh, a script that prints ONE JSON object; put what should wake looop under "signal" and everything else under "detail".
- {"action":"write_playbook","body":"…"}: replace PLAYBOOK.md.
- {"action":"start_worker","id":"…","prompt":"…"}: start an agent session for multi-step work; id is usually the goal's id, recurring work uses <name>-YYYYMMDD. A worker asks a human itself when it must. Optional "verify": one shell command (run in the OS sandbox once the worker ends) that exits 0 only when the work is truly done; its verdict shows in sys-sessions. Optional "command": a plain shell command to run as the worker instead of the agent CLI ({{prompt_file}} is the brief's path); irreversible commands are refused.
- {"action":"kill_worker","id":"…","reason":"…"}: end a live worker session and everything it started (never the pulse), e.g. one that is stuck or no longer needed.
- {"action":"write_schedule","name":"…","in_s":N,"note":"…"} or {…,"every_s":N,…}: create or replace schedules/<name>.json, due once N seconds from now, or every N seconds (N ≥ 60). sys-schedules shows each one: a one-shot turns "due" once and stays due until you drop it; a repeating one's number counts its periods and moves once per period. Its note tells you what it is for.
- {"action":"drop_schedule","name":"…"}: remove schedules/<name>.json (a one-shot you have acted on, or one no longer needed).
Every move may also carry "journal" (one line for the human's log) and "next_interval_s" (seconds until the next beat, 5..300 unless configured otherwise; it also makes the next beat decide even if nothing changed).
Ids are 1-64 characters of letters, digits, '.', '_' or '-', not starting with '.'.`;

export type PromptInputs = {
  localTime: string;
  /** e.g. "UTC+01:00, Europe/Paris" */
  timeZone: string;
  playbook: string;
  goals: { id: string; text: string }[];
  readings: Record<string, unknown>;
  /** each with whether its worker runs now (stranded: no running session to give the answer to) */
  asks: (Ask & { live: boolean })[];
  fairness: { goal: string; lastActedS: number | null } | undefined;
  whatChanged: string[];
  /** the last run_shell's result, shown to the one decide after it */
  shellOutput: ShellOutput | undefined;
  /** sensors damped for flapping: their signal does not wake the loop until it holds still */
  flapping?: { name: string; streak: number }[];
  /** live workers silent past the stuck threshold with no ask pending (core/health.ts) */
  stuck?: { id: string; silentS: number | null }[];
  lastFailure: string | undefined;
  journal: string[];
};

type Section = { title: string; body: string; cap: number };

/** The prompt budget in characters (UTF-16 code units, as `.length` counts them); each section has its own cap. */
export const PROMPT_BUDGET = 160_000;

/** Section headers that cannot be confused with the markdown headers inside PLAYBOOK and goals. */
const header = (title: string) => `===== ${title} =====`;

function trimTo(body: string, cap: number): string {
  if (body.length <= cap) return body;
  return body.slice(0, cap) + `\n… [trimmed ${body.length - cap} characters]`;
}

/** The last run_shell, as the decide after it sees it: what ran, how it ended, the ends of its output. */
function shellSection(s: ShellOutput): string {
  const denied = s.denied
    ? "\nThe OS sandbox refused something this command tried (a write outside scratch/, or a host not allowed): " +
      "a zero exit does not mean it did what was meant."
    : "";
  return `Your last move ran (run ${s.run_id}): ${s.cmd}\nIt ended: ${s.status}.${denied}\n` +
    `--- stdout (end) ---\n${s.stdout_tail || "(empty)"}\n--- stderr (end) ---\n${s.stderr_tail || "(empty)"}`;
}

export function buildPrompt(p: PromptInputs): string {
  const prefix = `${header("INSTRUCTIONS")}\n${INSTRUCTIONS}\n\n${header("CONSTITUTION")}\n${CONSTITUTION}\n`;
  const goals = p.goals.length
    ? p.goals.map((g) => `----- goals/${g.id}.md -----\n${g.text.trimEnd()}`).join("\n\n")
    : "(none)";
  const readings = Object.keys(p.readings).length
    ? Object.entries(p.readings).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join("\n")
    : "(none)";
  const asks = p.asks.length
    ? p.asks.map((a) => {
      const how = [
        a.live ? "live" : "stranded: its worker has no running session",
        ...(a.options?.length ? [`options: ${a.options.join(" | ")}`] : []),
        ...(a.ref ? [`ref: ${a.ref}`] : []),
      ];
      return `- ${a.id} (worker ${a.worker}; ${how.join("; ")}): ${a.prompt.replace(/\s+/g, " ")}`;
    }).join("\n")
    : "(none)";
  const fairness = p.fairness
    ? `The most neglected goal is "${p.fairness.goal}" (${
      p.fairness.lastActedS === null
        ? "never acted on"
        : `last acted on ${Math.round(p.fairness.lastActedS / 60)} min ago`
    }). Prefer it this beat if it is ready and not clearly lower priority; otherwise say in the journal why not.`
    : "(no goals)";
  const sections: Section[] = [
    { title: "PLAYBOOK", body: p.playbook.trimEnd() || "(empty)", cap: 32_000 },
    { title: "GOALS", body: goals, cap: 64_000 },
    { title: "SENSOR READINGS", body: readings, cap: 48_000 },
    ...(p.flapping?.length
      ? [{
        title: "FLAPPING SENSORS",
        body: "These sensors' signals changed on every recent beat, so they no longer wake the loop until they " +
          "hold still; their readings above are current, but do not chase them.\n" +
          p.flapping.map((f) => `- ${f.name}: changed on ${f.streak} beats in a row`).join("\n"),
        cap: 2_000,
      }]
      : []),
    ...(p.stuck?.length
      ? [{
        title: "STUCK WORKERS",
        body: "These workers are alive but printed nothing for a long while and wait on no ask: they may be hung " +
          "or waiting for input nobody gives. Do not start the same work again on another id.\n" +
          p.stuck.map((w) => `- ${w.id}: no output for ${w.silentS === null ? "a long while" : formatAge(w.silentS)}`)
            .join("\n"),
        cap: 2_000,
      }]
      : []),
    {
      title: "PENDING ASKS",
      body: `These wait on a human. They are not yours to answer; do not duplicate work that waits on them.\n${asks}`,
      cap: 8_000,
    },
    { title: "WHAT CHANGED", body: p.whatChanged.join("\n") || "(nothing: a scheduled or forced beat)", cap: 4_000 },
    ...(p.shellOutput ? [{ title: "RUN_SHELL OUTPUT", body: shellSection(p.shellOutput), cap: 6_000 }] : []),
    ...(p.lastFailure
      ? [{ title: "LAST FAILURE", body: `The previous decide failed: ${p.lastFailure}`, cap: 2_000 }]
      : []),
    { title: "FAIRNESS", body: fairness, cap: 1_000 },
    { title: "RECENT JOURNAL", body: p.journal.join("\n") || "(empty)", cap: 6_000 },
    { title: "NOW", body: `Local time: ${p.localTime} (${p.timeZone})`, cap: 200 },
  ];
  for (const s of sections) s.body = trimTo(s.body, s.cap);
  // Over budget: trim the largest section, again and again, never below 1,000 characters.
  const size = () => prefix.length + sections.reduce((n, s) => n + s.title.length + s.body.length + 8, 0);
  while (size() > PROMPT_BUDGET) {
    const largest = sections.reduce((a, b) => (b.body.length > a.body.length ? b : a));
    if (largest.body.length <= 1_000) break;
    largest.body = trimTo(largest.body, Math.max(1_000, largest.body.length - (size() - PROMPT_BUDGET) - 64));
  }
  return prefix + sections.map((s) => `\n${header(s.title)}\n${s.body}\n`).join("");
}
