/**
 * Many sensors in one sandbox (SPEC §10: one sandbox per beat and policy, not per sensor). A
 * small bash program runs inside the sandbox and starts each sensor in a process group of its
 * own (job control), with the same timeout (the whole group is killed: TERM, then KILL after a
 * grace) and a file-size cap; each sensor's stdout and stderr go to files in a fresh dir under
 * scratch/ that looop reads afterwards, and each result is one line on the program's stdout,
 * `<nonce> <index> exit <code>` or `<nonce> <index> timeout`. The nonce reaches the program on its
 * stdin only, so a sensor that writes to the program's stdout cannot forge a result.
 * Needs bash 5.1 (`wait -n -p`); an older bash answers `<nonce> unsupported` and looop runs one
 * sandbox per sensor instead.
 */

/** The program. Input on stdin: nonce, out dir, timeout s, grace s, KiB cap, parallel, then one
 * shell-quoted command per line. */
export const MUX_SCRIPT = String.raw`
IFS= read -r nonce || exit 0
if (( BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1) )); then
  printf '%s unsupported\n' "$nonce"; exit 0
fi
# Job control: each sensor in a process group of its own. No command below runs in the
# foreground (no $(...), no external program), so bash reaps children only inside wait.
set -m; exec 2>/dev/null
IFS= read -r dir; read -r timeout_s; read -r grace_s; read -r kib; read -r parallel
mapfile -t jobs
us() { local s=$1 f=000000; [[ $s == *.* ]] && { f=\${s#*.}000000; s=\${s%%.*}; }; printf -v "$2" %d $((10#$s * 1000000 + 10#\${f:0:6})); }
us "$timeout_s" timeout_us; us "$grace_s" grace_us
pid=(); started=(); term_at=()
n=\${#jobs[@]}; next=0; running=0; finished=0; ticker=
report() { # index, exit status
  kill -KILL -- "-\${pid[$1]}" # whatever of its group outlived it
  if [[ -n \${term_at[$1]} ]]; then printf '%s %s timeout\n' "$nonce" "$1"; else printf '%s %s exit %s\n' "$nonce" "$1" "$2"; fi
  unset "pid[$1]" "started[$1]" "term_at[$1]"
  running=$((running - 1)); finished=$((finished + 1))
}
while (( finished < n )); do
  while (( running < parallel && next < n )); do
    i=$next; next=$((next + 1))
    ( ulimit -f "$kib"; eval "exec \${jobs[$i]}" >"$dir/$i.out" 2>"$dir/$i.err" </dev/null ) &
    pid[$i]=$!; started[$i]=\${EPOCHREALTIME/./}; running=$((running + 1))
  done
  now=\${EPOCHREALTIME/./}; soonest=$((now + 1000000))
  for i in "\${!pid[@]}"; do
    if [[ -z \${term_at[$i]} ]]; then
      due=$((started[$i] + timeout_us))
      if (( due <= now )); then kill -TERM -- "-\${pid[$i]}"; term_at[$i]=$((now + grace_us)); due=\${term_at[$i]}; fi
    else
      due=\${term_at[$i]}
      if (( due <= now )); then kill -KILL -- "-\${pid[$i]}"; due=$((now + grace_us)); fi
    fi
    (( due < soonest )) && soonest=$due
  done
  # A timer, at most a second away, so that wait -n always returns.
  if [[ -z $ticker ]]; then
    left=$((soonest - now + 1000))
    printf -v wait_s '%d.%06d' $((left / 1000000)) $((left % 1000000))
    sleep "$wait_s" & ticker=$!
  fi
  wait -n -p done; rc=$?
  if [[ $done == "$ticker" ]]; then ticker=; fi
  for i in "\${!pid[@]}"; do
    if [[ \${pid[$i]} == "$done" ]]; then report "$i" "$rc"
    # Reaped without being reported (bash may file a status away): its saved status.
    elif ! kill -0 "\${pid[$i]}"; then wait "\${pid[$i]}"; report "$i" "$?"
    fi
  done
done
[[ -n $ticker ]] && kill "$ticker"
exit 0
`.replaceAll("\\$", "$");

export type MuxJob = { argv: string[] };

/** What the program says of each job: its exit code (128+N for a signal), or that it timed out. */
export type MuxResult = { kind: "exit"; code: number } | { kind: "timeout" };

/** The lines the program printed → result per job index; "unsupported" when bash is too old. */
export function parseMuxOutput(stdout: string, nonce: string): Map<number, MuxResult> | "unsupported" {
  const out = new Map<number, MuxResult>();
  for (const line of stdout.split("\n")) {
    const parts = line.split(" ");
    if (parts[0] !== nonce) continue; // anything else was not written by the program
    if (parts[1] === "unsupported") return "unsupported";
    const i = Number(parts[1]);
    if (!Number.isInteger(i) || out.has(i)) continue;
    if (parts[2] === "timeout") out.set(i, { kind: "timeout" });
    else if (parts[2] === "exit" && /^\d+$/.test(parts[3] ?? "")) out.set(i, { kind: "exit", code: Number(parts[3]) });
  }
  return out;
}
