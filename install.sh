#!/bin/sh
# Install looop (SPEC §11). POSIX sh:
#   curl -fsSL https://github.com/looop/looop/releases/latest/download/install.sh | sh
#
# Downloads looop-<os>-<arch> and SHA256SUMS from a release, verifies the checksum (refuses on a
# mismatch; nothing is installed), and puts the binary at $LOOOP_INSTALL_DIR/looop.
# Where no binary fits this platform (or the release has none for it), it installs from source
# instead: the release's looop-src.tar.gz, verified the same way, run by your Deno (2.9+).
#
#   LOOOP_VERSION       release to install, e.g. 1.2.0 or v1.2.0 (default: latest)
#   LOOOP_INSTALL_DIR   where the `looop` command goes (default: ~/.local/bin)
#   LOOOP_DOWNLOAD_URL  base URL the assets are fetched from (default: the GitHub release)
#   LOOOP_SRC_DIR       where a source install keeps the sources (default: ~/.local/share/looop/src)
#   LOOOP_OS, LOOOP_ARCH  override `uname -s` / `uname -m` (to test, or to pick another build)
#
# Flags: --dry-run (print what would be fetched and installed, change nothing), --help.
set -eu

LOOOP_REPO=${LOOOP_REPO:-looop/looop}

say() { printf '%s\n' "$*"; }
die() {
  printf 'looop: %s\n' "$*" >&2
  exit 1
}

dry_run=0
for arg in "$@"; do
  case $arg in
    --dry-run) dry_run=1 ;;
    -h | --help)
      sed -n '2,16p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//' || true
      exit 0
      ;;
    *) die "unknown option '$arg' — use --dry-run or --help" ;;
  esac
done

# --- where from, what for ---------------------------------------------------------------------

raw_os=${LOOOP_OS:-$(uname -s)}
raw_arch=${LOOOP_ARCH:-$(uname -m)}
case $raw_os in
  Linux | linux) os=linux ;;
  Darwin | darwin) os=darwin ;;
  *) os= ;;
esac
case $raw_arch in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) arch= ;;
esac

version=${LOOOP_VERSION:-latest}
if [ "$version" = latest ]; then label="the latest looop"; else label="looop $version"; fi
case $version in
  latest) default_base="https://github.com/$LOOOP_REPO/releases/latest/download" ;;
  v*) default_base="https://github.com/$LOOOP_REPO/releases/download/$version" ;;
  *) default_base="https://github.com/$LOOOP_REPO/releases/download/v$version" ;;
esac
base=${LOOOP_DOWNLOAD_URL:-$default_base}
base=${base%/}

# absolute DIR: DIR made absolute against the current directory.
absolute() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}
if [ -n "${LOOOP_INSTALL_DIR:-}" ]; then
  install_dir=$(absolute "$LOOOP_INSTALL_DIR")
elif [ -n "${HOME:-}" ]; then
  install_dir="$HOME/.local/bin"
else
  die "HOME is not set — set LOOOP_INSTALL_DIR to the directory for the looop command"
fi
install_dir=${install_dir%/}
dest="$install_dir/looop"
src_asset=looop-src.tar.gz

if [ -n "$os" ] && [ -n "$arch" ]; then asset="looop-$os-$arch"; else asset=; fi

# --- tools --------------------------------------------------------------------------------------

# fetch URL FILE: 0 downloaded, 2 not found (HTTP 404), 1 any other failure.
fetch() {
  if command -v curl >/dev/null 2>&1; then
    fetch_code=$(curl -sSL --retry 2 --connect-timeout 20 -o "$2" -w '%{http_code}' "$1" 2>/dev/null) || fetch_code=${fetch_code:-000}
    case $fetch_code in
      2??) return 0 ;;
      404) return 2 ;;
      *) return 1 ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    if wget -q -S -O "$2" "$1" 2>"$2.headers"; then return 0; fi
    if grep -q 'HTTP/[0-9.]* 404' "$2.headers"; then return 2; fi
    return 1
  fi
  return 1
}

# Checked before anything is downloaded: nothing is installed unverified.
if command -v sha256sum >/dev/null 2>&1; then
  sha256_of() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256_of() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  die "neither sha256sum nor shasum is installed, so a download cannot be verified — install coreutils (or perl's shasum) and re-run"
fi
if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
  die "neither curl nor wget is installed — install one of them and re-run"
fi

# verify FILE NAME: refuse unless SHA256SUMS lists NAME with FILE's hash.
verify() {
  verify_want=$(awk -v f="$2" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")
  [ -n "$verify_want" ] || die "SHA256SUMS at $base has no entry for $2 — refusing to install (nothing was changed)"
  verify_got=$(sha256_of "$1")
  if [ "$(printf '%s' "$verify_want" | tr 'A-F' 'a-f')" != "$verify_got" ]; then
    die "checksum mismatch for $2 (SHA256SUMS says $verify_want, the download is $verify_got) — refusing to install (nothing was changed)"
  fi
}

get_sums() {
  if fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS"; then return 0; else get_sums_rc=$?; fi
  [ "$get_sums_rc" -eq 2 ] && die "no SHA256SUMS at $base — is LOOOP_VERSION ($version) a published release?"
  die "could not download $base/SHA256SUMS — check the network (or LOOOP_DOWNLOAD_URL) and re-run"
}

# place FILE: install as $dest, atomically (a temp name in the same directory, then rename).
place() {
  mkdir -p "$install_dir" 2>/dev/null || die "cannot create $install_dir — set LOOOP_INSTALL_DIR to a directory you can write"
  place_tmp="$install_dir/.looop.install.$$"
  if ! cp "$1" "$place_tmp" 2>/dev/null; then
    rm -f "$place_tmp"
    die "cannot write to $install_dir — set LOOOP_INSTALL_DIR to a directory you can write"
  fi
  chmod 755 "$place_tmp"
  mv -f "$place_tmp" "$dest"
}

path_note() {
  case ":${PATH:-}:" in
    *":$install_dir:"*) ;;
    *)
      say ""
      say "$install_dir is not on your PATH. To run \`looop\`, add this line to your shell's startup file"
      say "(~/.profile, ~/.bashrc or ~/.zshrc) and open a new terminal:"
      say ""
      say "  export PATH=\"$install_dir:\$PATH\""
      ;;
  esac
}

# --- the source install (no binary for this platform) -------------------------------------------

# Needs Deno 2.9+ on PATH. Installs the release's own sources (verified like a binary) and a
# launcher that runs them with the permission flags of that release's `looop` task.
install_from_source() {
  if ! command -v deno >/dev/null 2>&1; then
    die "no prebuilt looop for $why and Deno is not on PATH — install Deno 2.9+ (https://deno.com) and re-run this script, or clone the repository and run ./deno task looop"
  fi
  deno_bin=$(command -v deno)
  deno_version=$("$deno_bin" --version </dev/null 2>/dev/null | sed -n 's/^deno \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
  deno_major=${deno_version%%.*}
  deno_minor=${deno_version#*.}
  if [ -z "$deno_version" ] || [ "$deno_major" -lt 2 ] || { [ "$deno_major" -eq 2 ] && [ "$deno_minor" -lt 9 ]; }; then
    die "no prebuilt looop for $why and the Deno on PATH ($deno_bin, ${deno_version:-unknown version}) is older than 2.9 — run \`deno upgrade\` and re-run this script"
  fi
  if [ -n "${LOOOP_SRC_DIR:-}" ]; then
    src_dir=$(absolute "$LOOOP_SRC_DIR")
  elif [ -n "${XDG_DATA_HOME:-}" ]; then
    src_dir="$XDG_DATA_HOME/looop/src"
  elif [ -n "${HOME:-}" ]; then
    src_dir="$HOME/.local/share/looop/src"
  else
    die "HOME is not set — set LOOOP_SRC_DIR to the directory for looop's sources"
  fi
  src_dir=${src_dir%/}
  say "looop install: no prebuilt looop for $why; installing from source with $deno_bin"
  if [ "$dry_run" -eq 1 ]; then
    say "would download $base/$src_asset and $base/SHA256SUMS, verify, unpack to $src_dir, and write the launcher $dest"
    exit 0
  fi

  get_sums
  if fetch "$base/$src_asset" "$tmp/$src_asset"; then :; else
    die "could not download $base/$src_asset — check the network (or LOOOP_DOWNLOAD_URL) and re-run"
  fi
  verify "$tmp/$src_asset" "$src_asset"

  mkdir -p "$tmp/unpack"
  tar -xzf "$tmp/$src_asset" -C "$tmp/unpack" 2>/dev/null || die "$src_asset is not a readable tar.gz archive — refusing to install"
  [ -f "$tmp/unpack/looop/src/main.ts" ] || die "$src_asset has no looop/src/main.ts — refusing to install"
  flags=$(sed -n 's/^ *"looop": *"deno run \(.*\) src\/main\.ts",\{0,1\}$/\1/p' "$tmp/unpack/looop/deno.json" 2>/dev/null)
  [ -n "$flags" ] || die "$src_asset has no \`looop\` task in deno.json to take the permission flags from — refusing to install"
  case $flags in
    *[!-a-zA-Z0-9=,./_\ ]*) die "the \`looop\` task in $src_asset has unexpected characters in its flags — refusing to install" ;;
  esac

  # Replace an earlier source install, never a directory this script did not create.
  if [ -e "$src_dir" ] && [ ! -f "$src_dir/.looop-src" ]; then
    die "$src_dir exists and was not made by this installer — remove it or set LOOOP_SRC_DIR elsewhere"
  fi
  mkdir -p "$(dirname "$src_dir")" 2>/dev/null || die "cannot create $(dirname "$src_dir") — set LOOOP_SRC_DIR to a directory you can write"
  src_new="$src_dir.new.$$"
  rm -rf "$src_new"
  if ! mv "$tmp/unpack/looop" "$src_new" 2>/dev/null && ! cp -R "$tmp/unpack/looop" "$src_new" 2>/dev/null; then
    rm -rf "$src_new"
    die "cannot write to $(dirname "$src_dir") — set LOOOP_SRC_DIR to a directory you can write"
  fi
  printf '%s\n' "$version" >"$src_new/.looop-src"
  # Every npm package of its deno.json (looop loads most of its modules on demand, so no one
  # entry point's graph names them all).
  if ! (cd "$src_new" && "$deno_bin" install --quiet) </dev/null >/dev/null 2>&1; then
    rm -rf "$src_new"
    die "Deno could not fetch looop's dependencies (deno install) — check the network and re-run"
  fi
  rm -rf "$src_dir"
  mv "$src_new" "$src_dir"

  cat >"$tmp/launcher" <<EOF
#!/bin/sh
# $label from source, installed by install.sh: Deno runs it under looop's permission set.
exec "$deno_bin" run --quiet $flags "$src_dir/src/main.ts" "\$@"
EOF
  place "$tmp/launcher"
  say "installed $label (from source in $src_dir) as $dest"
  path_note
  exit 0
}

# --- main ---------------------------------------------------------------------------------------

# All the work happens in main, called on the last line, so that a download of this script cut
# short (curl | sh) runs nothing. Children get /dev/null as stdin: under `curl | sh` the rest of
# this script is on stdin.
main() {
  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t looop) || die "cannot create a temporary directory"
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  if [ -z "$asset" ]; then
    why="$raw_os/$raw_arch"
    install_from_source
  fi

  say "looop install: $label for $os/$arch from $base/$asset"
  if [ "$dry_run" -eq 1 ]; then
    say "would download $base/$asset and $base/SHA256SUMS, verify the checksum, and install to $dest"
    exit 0
  fi

  if fetch "$base/$asset" "$tmp/$asset"; then :; else
    fetch_rc=$?
    if [ "$fetch_rc" -eq 2 ]; then
      why="$os/$arch in release $version ($base/$asset: not found)"
      install_from_source
    fi
    die "could not download $base/$asset — check the network (or LOOOP_DOWNLOAD_URL) and re-run"
  fi
  get_sums
  verify "$tmp/$asset" "$asset"
  place "$tmp/$asset"

  installed=$("$dest" version </dev/null 2>/dev/null | head -n 1) || installed=
  say "installed ${installed:-looop} as $dest (checksum verified)"
  path_note
}

main
