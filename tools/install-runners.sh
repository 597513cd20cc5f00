#!/bin/sh
# Installs the runner CLIs that tests/real drives, at pinned versions, into .tools/runners: the
# commands `claude`, `pi`, `codex` and `opencode` land in .tools/runners/node_modules/.bin, where the tests
# look first. Idempotent (nothing to do when the pinned versions are there) and quiet: one line
# when it installs, one line on stderr when it fails. Needs npm and the npm registry (~1.2 GB, ~35 s).
# Usage: sh tools/install-runners.sh
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
prefix="$here/.tools/runners"
pins="@anthropic-ai/claude-code@2.1.197 @mariozechner/pi-coding-agent@0.73.1 @openai/codex@0.169.0 opencode-ai@1.18.33"

# Is exactly version $2 of package $1 installed?
installed() {
  f="$prefix/node_modules/$1/package.json"
  [ -f "$f" ] && grep -q "\"version\": *\"$2\"" "$f"
}

need=""
for pin in $pins; do
  installed "${pin%@*}" "${pin##*@}" || need="$need $pin"
done
[ -z "$need" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
  echo "install-runners: npm not found — install Node.js (npm) and retry" >&2
  exit 127
fi
echo "install-runners: installing$need into .tools/runners"
mkdir -p "$prefix"
# shellcheck disable=SC2086 # one word per pin
if ! npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error $need >/dev/null; then
  echo "install-runners: npm install failed — check the network to the npm registry and retry" >&2
  exit 1
fi
