/**
 * The run_shell gate (SPEC §7, src/core/irreversible.ts): what cannot be taken back is refused
 * wherever it hides in the command line; everyday reversible commands pass. (The same gate
 * through a beat, with config patterns, is in refusals_test.ts.)
 */
import { assert, assertEquals } from "../assert.ts";
import { IRREVERSIBLE_MESSAGE, irreversibleMatch } from "../../src/core/irreversible.ts";

const REFUSED: [string, string][] = [
  ["git push --force origin main", "git push --force"],
  ["git push -f origin main", "git push --force"],
  ["git push -fu origin main", "git push --force"],
  ["git push --force-with-lease", "git push --force"],
  ["git push origin +main", "git push --force"],
  ["git push origin --delete old-branch", "git push --delete"],
  ["git merge feature", "git merge"],
  ["git -C repo merge --no-ff feature", "git merge"],
  ["gh pr merge 42 --squash", "gh pr merge / close, issue close, comments"],
  ["gh issue close 7", "gh pr merge / close, issue close, comments"],
  ["gh pr comment 3 --body hi", "gh pr merge / close, issue close, comments"],
  ["rm -rf build", "rm -r"],
  ["rm -r old", "rm -r"],
  ["rm -fR cache", "rm -r"],
  ["rm --recursive cache", "rm -r"],
  ["sudo rm -r /var/lib/app", "rm -r"],
  ['psql -c "DROP TABLE users"', "destructive SQL"],
  ["sqlite3 app.db 'delete from sessions'", "destructive SQL"],
  ['psql -c "TRUNCATE audit_log"', "destructive SQL"],
  ["kubectl delete pod web-1", "kubectl delete/apply/scale"],
  ["kubectl apply -f deploy.yaml", "kubectl delete/apply/scale"],
  ["helm upgrade web ./chart", "helm install/upgrade/uninstall"],
  ["terraform apply -auto-approve", "terraform apply/destroy"],
  ["terraform destroy", "terraform apply/destroy"],
  ["npm publish", "publishing"],
  ["cargo publish --allow-dirty", "publishing"],
  ["docker push ghcr.io/me/app:1", "publishing"],
  ["./deploy.sh production", "deploys"],
  ["curl -X POST https://api.example.com/items", "HTTP writes"],
  ["curl -XDELETE https://api.example.com/items/1", "HTTP writes"],
  ["curl --data 'a=1' https://api.example.com/items", "HTTP writes"],
  ["git reset --hard HEAD~3", "git reset --hard"],
  ["git clean -fdx", "git clean -f"],
  // hidden in compound commands
  ["git status && git push --force", "git push --force"],
  ["echo ok; rm -rf /tmp/x", "rm -r"],
  ["ls || kubectl delete ns prod", "kubectl delete/apply/scale"],
  ["echo $(git merge main)", "git merge"],
  ["echo `npm publish`", "publishing"],
  ["(cd repo && git push -f)", "git push --force"],
  ["sudo kubectl delete deployment web", "kubectl delete/apply/scale"],
  ["env X=1 npm publish", "publishing"],
  ["FOO=bar terraform destroy", "terraform apply/destroy"],
  ["cat notes.txt\nrm -rf notes", "rm -r"],
  ["find . -name '*.log' | xargs rm -rf", "rm -r"],
];

const PASSED = [
  "git push",
  "git push origin feature",
  "git push -u origin feature",
  "git status",
  "git log --oneline -20",
  "git log --merges --oneline",
  "git fetch --all --prune",
  "git diff HEAD~1",
  "ls -la",
  "cat README.md",
  "grep -rn TODO src",
  "curl -s https://api.github.com/repos/denoland/deno",
  "curl -sSfL -o out.json https://example.com/data.json",
  "gh pr list --state open",
  "gh pr view 42",
  "kubectl get pods -A",
  "rm notes.tmp",
  "rm -f notes.tmp",
  "echo merged",
  "git log --format=%s | grep merge",
  "mkdir -p reports && date > reports/now.txt",
  "wc -l journal.md",
  "df -h",
];

Deno.test(`irreversible: ${REFUSED.length} commands are refused, each by the right pattern`, () => {
  assert(REFUSED.length >= 25);
  const wrong = REFUSED.map(([cmd, want]) => [cmd, irreversibleMatch(cmd), want] as const).filter(([, got, want]) =>
    got !== want
  );
  assertEquals(wrong, [], "commands refused by no pattern, or by the wrong one");
});

Deno.test(`irreversible: ${PASSED.length} reversible commands pass`, () => {
  assert(PASSED.length >= 12);
  assertEquals(PASSED.map((cmd) => [cmd, irreversibleMatch(cmd)]).filter(([, got]) => got !== undefined), []);
});

Deno.test("irreversible: config patterns are case-insensitive regexes; an invalid one is skipped, not fatal", () => {
  assertEquals(irreversibleMatch("make release", ["\\bmake\\s+release\\b"]), "config pattern /\\bmake\\s+release\\b/");
  assertEquals(irreversibleMatch("MAKE RELEASE", ["\\bmake\\s+release\\b"]), "config pattern /\\bmake\\s+release\\b/");
  assertEquals(irreversibleMatch("make test", ["\\bmake\\s+release\\b"]), undefined);
  assertEquals(irreversibleMatch("make release", ["(unclosed", "release"]), "config pattern /release/");
  assertEquals(irreversibleMatch("git push -f", ["never-matches"]), "git push --force", "built-ins come first");
  assertEquals(IRREVERSIBLE_MESSAGE, "irreversible — start a worker that asks a human first");
});
