#!/usr/bin/env bash
# looop demo: a SCRIPTED STAND-IN for an LLM runner. No model is called; it matches text in the
# prompt and replies with a fixed move, printed in pi's JSON event format (`pi -p --mode json`).
set -u
if [ "${1:-}" = tick ]; then
  prompt=$(cat)
  if ! printf '%s' "$prompt" | grep -q -- '----- goals/{{goal}}.md -----'; then
    reply={{reply_idle}}
  elif ! printf '%s' "$prompt" | grep -q '"{{worker}}":{"state"'; then
    reply={{reply_start_worker}}
  elif printf '%s' "$prompt" | grep -q '"{{worker}}":{"state":"running"'; then
    reply={{reply_wait}}
  else
    reply={{reply_archive_goal}}
  fi
  echo '{"type":"agent_start"}'
  echo '{"type":"message_end","message":{"role":"assistant","content":[{"type":"text","text":'"$reply"'}],"usage":{"input":1000,"output":200,"cost":{"total":{{decide_usd}}}},"stopReason":"stop"}}'
  echo '{"type":"agent_end","messages":[]}'
  exit 0
fi
if [ "${1:-}" = worker ]; then
  echo "[stand-in worker {{worker}}] a script, not an agent. My brief begins:"
  head -n 3 "$2" | sed 's/^/  > /'
  echo "[stand-in worker] asking the human: {{question}}"
  name=$("$LOOOP_BIN" _ ask "$LOOOP_SESSION_ID" --prompt "{{question}}") || exit 1
  echo "[stand-in worker] Hello, $name!"
  "$LOOOP_BIN" _ cost session "$LOOOP_SESSION_ID" {{runner}} {{worker_usd}}
  echo "[stand-in worker] done: ending my session"
  exec "$LOOOP_BIN" _ kill "$LOOOP_SESSION_ID"
fi
echo "usage: stand-in-runner tick|worker <brief-file>" >&2
exit 2
