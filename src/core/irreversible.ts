/**
 * The run_shell gate (SPEC §7): commands that cannot be taken back are refused with "irreversible
 * — start a worker that asks a human first". The patterns match anywhere in the command line, so
 * they also catch commands chained with && or ;, inside $( ) or ( ), after sudo or env.
 * When unsure, a pattern errs on the side of refusing. Config `irreversible` adds patterns.
 */

export const IRREVERSIBLE_PATTERNS: { name: string; re: RegExp }[] = [
  {
    name: "git push --force",
    re: /\bgit\b[^;&|\n]*\bpush\b[^;&|\n]*(\s--force(-with-lease)?\b|\s-[a-zA-Z]*f[a-zA-Z]*\b|\s\+\S)/,
  },
  { name: "git push --delete", re: /\bgit\b[^;&|\n]*\bpush\b[^;&|\n]*(\s--delete\b|\s-d\b|\s:\S)/ },
  { name: "git merge", re: /\bgit\b[^;&|\n]*\bmerge\b/ },
  { name: "git reset --hard", re: /\bgit\b[^;&|\n]*\breset\b[^;&|\n]*--hard\b/ },
  { name: "git branch -D", re: /\bgit\b[^;&|\n]*\bbranch\b[^;&|\n]*(\s-D\b|--delete\b.*--force)/ },
  { name: "git clean -f", re: /\bgit\b[^;&|\n]*\bclean\b[^;&|\n]*\s-[a-zA-Z]*f/ },
  { name: "gh pr merge / close, issue close, comments", re: /\bgh\s+(pr|issue)\s+(merge|close|comment|delete|lock)\b/ },
  { name: "gh release / repo delete", re: /\bgh\s+(release\s+(create|delete)|repo\s+(delete|archive))\b/ },
  { name: "rm -r", re: /\brm\b[^;&|\n]*\s(-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b/ },
  {
    name: "destructive SQL",
    re: /\b(drop\s+(table|database|schema|index)|truncate\s+(table\s+)?\w+|delete\s+from)\b/i,
  },
  {
    name: "kubectl delete/apply/scale",
    re: /\bkubectl\b[^;&|\n]*\s(delete|apply|replace|scale|drain|rollout\s+restart|patch)\b/,
  },
  { name: "helm install/upgrade/uninstall", re: /\bhelm\s+(install|upgrade|uninstall|delete|rollback)\b/ },
  { name: "terraform apply/destroy", re: /\b(terraform|tofu|pulumi)\s+(apply|destroy|up)\b/ },
  {
    name: "deploys",
    re:
      /\b(deploy|deployment)\b|\b(fly|flyctl)\s+deploy\b|\bvercel\b[^;&|\n]*--prod\b|\bheroku\b[^;&|\n]*\b(release|deploy)/i,
  },
  {
    name: "publishing",
    re: /\b(npm|pnpm|yarn|cargo|gem|twine|poetry|dotnet\s+nuget|deno)\s+publish\b|\bdocker\s+push\b/,
  },
  { name: "payments", re: /\b(stripe|paypal)\b|\b(charge|refund|payout|invoice)s?\s+(create|send|pay)\b/i },
  { name: "disk and system", re: /\b(mkfs(\.\w+)?|dd\s+if=|shred|wipefs|shutdown|reboot|poweroff|halt)\b/ },
  { name: "writes over devices", re: />\s*\/dev\/(sd|nvme|disk|hd)/ },
  { name: "cloud deletes", re: /\b(aws|gcloud|az)\b[^;&|\n]*\s(delete|terminate|remove|rm|destroy)\b/ },
  {
    name: "HTTP writes",
    re:
      /\bcurl\b[^;&|\n]*(-X\s*|--request\s+)(POST|PUT|PATCH|DELETE)\b|\bcurl\b[^;&|\n]*\s(-d|--data(-\w+)?|-F|--form)\s/i,
  },
  { name: "sending mail", re: /\b(sendmail|mailx?|mutt)\b/ },
  { name: "chmod/chown -R on /", re: /\b(chmod|chown)\s+-R\b[^;&|\n]*\s\/(\s|$)/ },
];

export const IRREVERSIBLE_MESSAGE = "irreversible — start a worker that asks a human first";

/** The name of the first irreversible pattern `cmd` matches, or undefined. */
export function irreversibleMatch(cmd: string, extra: string[] = []): string | undefined {
  for (const p of IRREVERSIBLE_PATTERNS) if (p.re.test(cmd)) return p.name;
  for (const source of extra) {
    let re: RegExp;
    try {
      re = new RegExp(source, "i");
    } catch {
      continue; // an invalid user pattern is reported when the config is loaded
    }
    if (re.test(cmd)) return `config pattern /${source}/`;
  }
  return undefined;
}

/** The first line of a script that matches an irreversible pattern, as "line N: <pattern>". */
export function irreversibleLine(script: string, extra: string[] = []): string | undefined {
  for (const [i, line] of script.split("\n").entries()) {
    const hit = irreversibleMatch(line, extra);
    if (hit) return `line ${i + 1}: ${hit}`;
  }
  return undefined;
}
