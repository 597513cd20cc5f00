/** `looop help`: the full manual, embedded in the program. Keep it in step with README.md. */
import { VERSION } from "./version.ts";

export const MANUAL = `looop ${VERSION} — an autonomous control loop for agent-driven work

DESIGN
  looop is one executable with no database and no server. Three roles:
    judgment  the pulse (looop itself): each beat it senses the world; if the world changed it
              asks an LLM runner CLI for ONE typed move and executes it, behind gates
    hands     worker sessions: real agent CLIs (pi, claude, codex, opencode) doing multi-step work,
              detached and in parallel; when a human must decide, a worker asks and blocks
    memory    the data dir: PLAYBOOK, goals, sensors, journal, mailbox, ledger, as plain files
  Humans steer by editing goals and the PLAYBOOK, and answer what only a human can answer.
  Irreversible actions never happen without a human's explicit yes.

  Status of this build: everything below works, including the OS sandbox for shell sensors
  and run_shell and Deno-native .ts sensors. Not yet: looop demo.

THE BEAT
  1. housekeeping: reap claims of dead sessions, prune old sessions, report an interrupted move
  2. sense: run every sensors/*.sh (each prints ONE JSON object) into snapshots/, plus the
     system readings sys-sessions, sys-claims, sys-goals
  3. hash: PLAYBOOK.md and goals/*.md whole, and from each reading only its "signal" key (the
     whole reading when it has none), keys sorted. A change under "detail" never wakes looop.
  4. skip: an unchanged world ends the beat here, with no LLM call
  5. backoff: after n failed decides in a row, wait min(60 s x 2^(n-1), 5 min) unless the
     world moved
  6. budget breaker: with max_daily_usd, today's ledger total at or over it pauses decides until
     local midnight (journaled once a day); so do 3 decides in a row whose runner reported no cost
  7. decide: the runner's "tick" gets the prompt on stdin (cwd = a fresh empty dir under
     runs/<run_id>/, 10 min timeout; the built-in presets run it with no tools); its
     event stream goes to the pulse log and runs/<run_id>/, its cost to the ledger; the move comes
     from .decision.json if the runner wrote one, else from the ONE JSON object in its answer
  8. gate the move; a malformed or refused move is journaled with its reason and arms backoff
  9. act, journal, stamp the goal's activity, remember the hash (next_interval_s forces the next
     beat to decide)
  The pulse beats every "interval" seconds, and within a second of a goal, PLAYBOOK, sensor or
  config write, an answer or a worker's exit. Its log: sessions/pulse/output.log (up --foreground:
  stdout), one event per line (--json: NDJSON {ts, level, event, msg, …}).

MOVES (one JSON object; unknown actions or fields are refused)
  noop            {reason}          do nothing; the journal line is how looop tells you things
  run_shell       {cmd, reason}     one reversible command in the data dir (irreversible ones are refused)
  write_goal      {id, body}        write goals/<id>.md
  archive_goal    {id}              move goals/<id>.md to goals/archive/
  write_sensor    {name, script}    write sensors/<name>.sh (mode 0755)
  write_playbook  {body}            replace PLAYBOOK.md
  start_worker    {id, prompt}      start a worker session
  Every move may carry "journal" (one line) and "next_interval_s" (5..3600).
  Gates: ids are safe (1-64 of [A-Za-z0-9._-], not starting with "."); bodies and scripts are not
  blank and at most max_body_bytes (256 KiB); start_worker never for "pulse" or a live id.

THE CONSTITUTION (fixed in looop, above the PLAYBOOK)
  never do irreversible things (merge, deploy, delete data, close issues, public comments,
  force-push, spend money): prepare them and start a worker that asks a human; run_shell is one
  reversible command; only the pulse writes PLAYBOOK, goals and sensors, through moves; ask,
  don't guess; the PLAYBOOK may be tuned but never weaken these norms.

HUMAN
  looop up [--json] [--foreground]   start the pulse, detached (idempotent: "already running", exit 0);
                                     --foreground runs it here, logging to stdout; a broken config,
                                     or a runner that is not configured (2) or not installed (127),
                                     refuses to start it
  looop down [--json]                stop the pulse first (it ends its decide in flight and carries
                                     out no move decided before the stop), then every worker (one
                                     still starting is waited for), then check again: exit 1 naming
                                     anything that survived
  looop cost [today|all] [--json]    spend from the ledger: per day, per kind (tick/session), per id
  looop config zsh|bash              print shell completion (live goal, session and ask ids)
                                     bash: source <(looop config bash)   zsh: source <(looop config zsh)
  looop watch [<id>]                 live view: the sessions (pulse first, then workers by uptime) and
                                     the selected one's screen. Keys: up/down (j/k) select, enter
                                     reopen, a answer its pending ask, t tell it a line, x kill (y/n),
                                     q quit. Without a terminal, watch <id> streams the plain log
                                     until the session ends
  looop demo [--answer <name>] [--fast] [--keep]
                                     a one-minute offline tour on a throwaway data dir: a decide, a
                                     skip, a worker that asks you a question, the ledger. Its runner
                                     is a scripted stand-in, not a model; nothing is left behind
  looop version [--json] | help | --help

STEER (a human or a concierge)
  looop _ state [--json]             one snapshot: pulse up? (its runner; the decide in flight:
                                     runner, since when), a broken config, world hash, goals,
                                     readings, pending asks, sessions, claims, today's spend vs
                                     budget, journal tail (20)
  looop _ wait [--json] [--only-asks] [--timeout <s>]
                                     block until a pending ask exists or the world hash moves, then
                                     print the state; level-triggered: an ask already pending returns
                                     at once; the pulse down (at the start or later) exits 5.
                                     With --json: {"woke": "ask"|"world"|"down"|"timeout", "state": …}
  looop _ asks [--json]              pending asks: unanswered, and their worker still there
  looop _ answer <ask_id> "<text>"|- [--force]
                                     resolve an ask ("-": the answer from stdin); with options the
                                     text must be one of them; blank is refused; an answered ask is
                                     refused unless --force, an expired or withdrawn one always; a
                                     corrupt answer file is replaced, and said. Refused (3) inside a
                                     worker session: a worker may not answer asks
  looop _ goal write <id> [body|-]   body inline, or stdin when omitted or "-"
  looop _ goal archive <id>
  looop _ sensor write <name> [script|-]
                                     then runs it once, as the pulse would, and prints its reading
                                     (a warning on stderr for an error reading)
  looop _ playbook write [body|-]
  looop _ worker start <id> [brief|-]   start a worker by hand (same gates as the move)
  looop _ sessions [--json]          the pulse and every worker: id, state (running, exited, done:
                                     ended itself with _ kill, killed, dead), pid, runner (the one in
                                     use now), age, exit code; a worker whose CLI ended by itself
                                     within 10 s (no API key, a setup screen) shows its screen's
                                     last lines, also in its journal line
  looop _ beat [--json]              run exactly ONE beat in the foreground and exit: 0 done (skipped,
                                     paused or moved); 1 the decide yielded no move; 3 the move failed
                                     its schema or a gate; 75 a pulse holds the lock; 127 the
                                     runner is not installed (journaled, backoff applies)
  The write verbs go through the same gated executor as a decided move, with the same journal
  line; --journal "<text>" sets it.

WORKER (self-callbacks; <id> defaults to $LOOOP_SESSION_ID)
  looop _ ask [<id>] --prompt "…" [--ref <path>] [--options a,b] [--timeout <s>]
      Writes asks/<id>-<n>.json, prints nothing until answered, then prints the answer and exits 0.
      Re-running the same ask (same worker, prompt, ref, options) re-attaches to the pending one.
      --timeout (default $LOOOP_ASK_TIMEOUT_S) exits 124 and leaves the ask pending. An ask whose
      record a human deleted (withdrawn) or whose worker is gone (expired) exits 4.
      Every ask ends answered, expired or withdrawn; its record moves to asks/done/ with
      state, ended and why. Expired asks are found by _ kill, down and every beat (journaled).
  looop _ claim <name> [--session <id>]     exit 1 while a live session holds it; idempotent for
                                             the holder; a dead holder's claim is taken over
  looop _ unclaim <name> [--session <id>]
  looop _ kill [<id>]                       end a worker session and everything it started
                                             (refuses pulse)
  looop _ tell <id> "<text>"                type a line into a live worker's terminal
  looop _ cost session <id> <runner> <usd>  record spend (also: _ cost <usd>, using
                                             $LOOOP_SESSION_ID and $LOOOP_RUNNER)

THE WORKER CONTRACT (prepended to every worker's brief)
  never send OS notifications; when a human decision is needed run ONE blocking
  "$LOOOP_BIN" _ ask <id> --prompt "…" and use its stdout; when done, report spend with
  _ cost session and end with _ kill <id>; claim shared resources with _ claim (non-zero = someone
  else holds it: do not proceed) and release them with _ unclaim; write deliverables to reports/;
  treat PLAYBOOK, goals and sensors as read-only; sandbox code work (e.g. a git worktree).

FILES (the data dir: $LOOOP_DATA_DIR, else \${XDG_STATE_HOME:-$HOME/.local/state}/looop)
  PLAYBOOK.md               judgment, priorities, guardrails
  goals/<id>.md             desired state, one per thing pursued; frontmatter "goal: <one line>"
  goals/archive/<id>.md     archived goals
  sensors/<name>.sh         observer scripts; each prints ONE JSON object
  snapshots/                each beat's readings
  journal.md                the action log: "- YYYY-MM-DD HH:MM <text>", one line per entry
  asks/, answers/           the worker ↔ human mailbox (mode 0700)
  claims/<name>.json        leases {session, name, ts}
  reports/                  deliverables for humans
  cost.jsonl                spend ledger {ts, kind, id, runner, cost_usd}
  sessions/<id>/            meta.json, output.log, exit.json, prompt.md; alive while its host
                            holds the lock on host.lock (the pulse: .lock)
  runs/                     per-decide artefacts, and each run_shell's output
  scratch/                  the one place sensors and run_shell may write (kept a day)
  The first command that needs the data dir creates it and seeds, once: PLAYBOOK.md,
  goals/setup.md, goals/playbook-daily.md, sensors/today.sh and config.json.
  Every write is atomic (temp file, fsync, rename); appends are whole lines in one write.
  Ids (goal, sensor, session, claim, ask): 1-64 of [A-Za-z0-9._-], not starting with ".".

CONFIG ($LOOOP_CONFIG, else <data dir>/config.json; JSONC: comments and trailing commas allowed)
  default         runner for decide and workers: pi (default), claude, codex, opencode
  runners         {name: {tick, interactive, resume?, cost?}} merged over the built-in presets;
                  {{prompt_file}} in "interactive" is the worker's brief, shell-quoted;
                  cost: {type, pointer, mode: sum|total} meters a custom runner's event stream
  interval        seconds between beats (default 60; LOOOP_INTERVAL overrides)
  max_daily_usd   daily budget breaker (optional)
  session_ttl     how long finished sessions are kept: "90s", "15m", "2h", "3d" (default 3d)
  max_workers     live workers at most (default 8)
  max_body_bytes  cap on goal/PLAYBOOK bodies and sensor scripts (default 262144)
  irreversible    extra regular expressions refused in run_shell (one that does not compile is a
                  config error, never a silently skipped guardrail)
  prices          {name: {input, output}} USD per million tokens, for runners that report tokens
                  only (codex): name is the model the runner's stream names, else the runner's
                  name (codex names no model in its stream: key it "codex"), else "default"
  sandbox         {mode: auto|required|off, allow_net: [hosts for sensors],
                  run_shell_net: [hosts for run_shell], pass_env: [variable names],
                  allow_write: [absolute paths], decide_net: [hosts of the runner's model API]}
                  (see SECURITY); with decide_net set the decide's runner runs in the OS sandbox
                  too, writing only its run dir, its own state dirs and allow_write
  runners.<name>.state  the runner's own state for its confined decide: "~/.dir/" (made if
                  missing) or "~/.file" (if there); the presets name theirs
  A broken file is an error naming file:line:column or the key path; unknown keys are warned about.

SECURITY
  Trusted: looop, you (and a concierge for you), and workers: the agents you ask to do real work
  with your tools and keys run like your shell; their contract asks them to sandbox code work
  and to ask a human before anything irreversible.
  Not trusted: what the decide produces, and what sensors and run_shell do or print. Those run
  in an OS sandbox (bubblewrap + socat + ripgrep on Linux, sandbox-exec on macOS), where they:
  - write only <data>/scratch/ (TMPDIR=<data>/scratch/tmp) and sandbox.allow_write; the rest of
    the data dir, reports/ included, is read-only; asks/, answers/, sessions/ and the config are
    hidden, and so are ~/.ssh, ~/.aws, ~/.gnupg, ~/.config/gh, ~/.netrc and similar;
  - get only PATH, HOME, LANG/LC_*, TZ, TERM, TMPDIR, USER, LOOOP_DATA_DIR and sandbox.pass_env;
  - reach: sensors sandbox.allow_net, run_shell sandbox.run_shell_net (none by default). Header
    lines "# looop:net=host[:port],…" and "# looop:env=NAME,…" ("// looop:" in .ts) narrow a
    sensor; asking for more than the config is an error reading, and a write_sensor move asking
    for more is refused. write_sensor is screened line by line like run_shell.
  The sensors of one beat that share hosts and variables share one sandbox; each keeps its own
  process group, timeout, output cap and error reading.
  sandbox.mode: auto (default; without a sandbox, run_shell and write_sensor moves are refused,
  your own sensors run, with one warning per pulse start and "sandbox: off" in _ state),
  required (without one, nothing runs), off (everything runs unconfined: you accept the risk).
  looop never follows a link it did not make in the data dir (refused and journaled), and never
  signals a pid from a file unless the OS still reports its recorded start time (never pid 1).
  sensors/<name>.ts runs in its own process (128 MB heap) inside the sandbox, in a Deno Worker
  that may only read the data dir and reach the hosts of its "// looop:net=" header (none
  without one); it prints ONE JSON object or default-exports a function returning it.
  The decide is text: the presets run the runner's tick with no tools (pi, claude, opencode;
  codex keeps request_user_input and view_image, which run no command, in its read-only
  sandbox), no MCP, plugins, skills or context files, in a fresh empty dir under runs/<run_id>/.
  opencode 1.18 cannot drop a global ~/.config/opencode/AGENTS.md, your config's instructions
  or its MCP servers (every tool call is denied): keep your opencode config free of them.
  With sandbox.decide_net set, the runner runs inside the OS sandbox: all four presets work
  there (through its proxy), writing only runs/<run_id>/cwd, their state dirs and allow_write.

ENVIRONMENT
  LOOOP_DATA_DIR, LOOOP_CONFIG, XDG_STATE_HOME, HOME     where the data dir and config are
  LOOOP_SESSION_ID, LOOOP_RUNNER, LOOOP_BIN              set for workers
  LOOOP_INTERVAL, LOOOP_SENSOR_TIMEOUT, LOOOP_SENSOR_MAX_BYTES   pulse tuning
  LOOOP_ASK_POLL_MS        how often a waiting _ ask re-checks besides its file watch (default 1000)
  LOOOP_ASK_TIMEOUT_S      _ ask's default --timeout in seconds (default: none, wait forever)
  NO_COLOR                 no colour, even on a terminal

EXIT CODES
  0 ok; 1 refused by state (claim held by a live session, ask not found or already answered);
  2 usage or invalid input; 3 refused by a gate; 4 the ask was withdrawn or expired (_ ask);
  5 the pulse is down (_ wait); 75 another pulse holds the lock; 124 timed out;
  127 runner or dependency not found; 130/143 interrupted.
  Errors are one line on stderr: "looop: <what> — <how to fix>".
`;
