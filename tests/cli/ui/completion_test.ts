/** `looop config bash|zsh` (SPEC §4): every verb, live ids from `looop _ ids`, and scripts the shells accept. */
import { assert, assertEquals } from "../../assert.ts";
import { completionScript, type VerbTree } from "../../../src/cli/ui/completion.ts";

const TREE: VerbTree = {
  up: {},
  down: {},
  watch: {},
  cost: {},
  config: {},
  _: { state: {}, ask: {}, answer: {}, kill: {}, goal: { write: {}, archive: {} }, sensor: { write: {} } },
};
const VERBS = [
  "up",
  "down",
  "watch",
  "cost",
  "config",
  "_",
  "state",
  "ask",
  "answer",
  "kill",
  "goal",
  "write",
  "archive",
];

type Out = { code: number; stdout: string; stderr: string };

/** Run a real shell with `script` on stdin. */
async function shell(argv: string[], script: string): Promise<Out> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(script));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Is `name` an installed program? (`which` exits 0 when it is.) */
async function installed(name: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("which", { args: [name], stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

for (const sh of ["bash", "zsh"] as const) {
  Deno.test(`the ${sh} script offers every verb of the tree and the fixed words`, () => {
    const script = completionScript(sh, TREE);
    for (const verb of VERBS) assert(new RegExp(`(^|[ ("])${verb}([ )"]|$)`, "m").test(script), `${verb} in ${sh}`);
    for (const word of ["today", "all", "zsh", "bash"]) assert(script.includes(word), `${word} in ${sh}`);
    assert(script.includes(`"_ goal")`), `the "_ goal" arm in ${sh}`);
  });

  Deno.test(`the ${sh} script asks \`looop _ ids\` for live goal, ask and session ids`, () => {
    const script = completionScript(sh, TREE);
    const arms: [string, string][] = [
      ["_ answer", "asks"],
      ["_ goal write", "goals"],
      ["_ goal archive", "goals"],
      ["_ kill", "sessions"],
      ["watch", "sessions"],
    ];
    for (const [path, kind] of arms) {
      const line = script.split("\n").find((l) => l.trimStart().startsWith(`"${path}")`));
      assert(line !== undefined, `no arm for "${path}" in ${sh}`);
      assert(line.includes(`looop _ ids ${kind} 2>/dev/null`), line);
    }
    for (const kind of ["goals", "asks", "sessions"]) assert(script.includes(`looop _ ids ${kind}`));
  });
}

Deno.test("the bash script passes bash -n", async () => {
  const out = await shell(["bash", "-n", "/dev/stdin"], completionScript("bash", TREE));
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stderr, "");
});

Deno.test("bash -n does fail on a broken script (the check above can fail)", async () => {
  const out = await shell(["bash", "-n", "/dev/stdin"], completionScript("bash", TREE).replace("esac", ""));
  assert(out.code !== 0);
});

Deno.test("the bash completion completes verbs, subverbs, fixed words and live ids in a real bash", async () => {
  // A stand-in `looop` answers `_ ids <kind>`; the completion function is called as bash would.
  const probe = `${completionScript("bash", TREE)}
looop() { [ "$1 $2" = "_ ids" ] && case "$3" in goals) echo "setup ship" ;; asks) echo "w-1 w-2" ;; sessions) echo "pulse w" ;; esac; }
complete_at() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _looop_complete; echo "\${COMPREPLY[*]}"; }
complete_at looop ""
complete_at looop _ g
complete_at looop _ goal ""
complete_at looop _ goal write ""
complete_at looop _ answer w-
complete_at looop --json _ kill ""
complete_at looop cost ""
complete_at looop _ goal write setup ""
`;
  const out = await shell(["bash", "/dev/stdin"], probe);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout.split("\n").slice(0, 8), [
    "up down watch cost config _",
    "goal",
    "write archive",
    "setup ship",
    "w-1 w-2",
    "pulse w",
    "today all",
    "",
  ]);
});

Deno.test("the zsh script passes zsh -n (when zsh is installed)", async (t) => {
  if (!(await installed("zsh"))) {
    await t.step({ name: "zsh -n (zsh is not installed)", ignore: true, fn: () => {} });
    return;
  }
  const out = await shell(["zsh", "-n"], completionScript("zsh", TREE));
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stderr, "");
  const broken = await shell(["zsh", "-n"], completionScript("zsh", TREE).replace("esac", ""));
  assert(broken.code !== 0, "zsh -n fails on a broken script");
});

Deno.test("the zsh completion completes verbs, fixed words and live ids in a real zsh (when installed)", async (t) => {
  if (!(await installed("zsh"))) {
    await t.step({ name: "zsh run (zsh is not installed)", ignore: true, fn: () => {} });
    return;
  }
  // Outside the completion system: stand-ins for compdef, compadd (prints its words) and looop.
  const probe = `compdef() { :; }
${completionScript("zsh", TREE)}
compadd() { shift; print -r -- "$*"; }
looop() { [[ "$1 $2" == "_ ids" ]] && case "$3" in goals) print "setup\\nship" ;; asks) print "w-1\\nw-2" ;; sessions) print "pulse\\nw" ;; esac; }
complete_at() { words=("$@"); CURRENT=$#; _looop; }
complete_at looop ""
complete_at looop _ goal ""
complete_at looop _ goal write ""
complete_at looop _ answer w-
complete_at looop --json _ kill ""
complete_at looop cost ""
`;
  const out = await shell(["zsh", "-f", "/dev/stdin"], probe);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout.split("\n").slice(0, 6), [
    "up down watch cost config _",
    "write archive",
    "setup ship",
    "w-1 w-2",
    "pulse w",
    "today all",
  ]);
});
