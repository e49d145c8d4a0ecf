#!/usr/bin/env bash
# Installs the opsbook binary for the opsbook-lint action (action.yml), in two steps so the
# action can put actions/cache between them:
#
#   install.sh plan      which version and platform archive, and where it goes (step outputs)
#   install.sh install   download the release archive, check its SHA-256 against the release's
#                        SHA256SUMS, unpack it; or, when the release has no archive for this
#                        platform, compile with `cargo install`
#
# Environment (set by action.yml; tests/action_install.rs sets them to exercise each path):
#   OPSBOOK_VERSION      version to install, "1.2.3"; empty: the version in the Cargo.toml
#                        next to this action (the action's own version)
#   OPSBOOK_DIR          folder to install into (plan's `dir` output)
#   OPSBOOK_TARGET       archive target (plan's `target` output); empty: no archive exists
#   OPSBOOK_REPOSITORY   owner/name the action runs from, for URLs and the cargo fallback
#   OPSBOOK_REF          the action's ref, for the cargo fallback
#   OPSBOOK_RELEASES_URL base of release downloads [default: https://github.com/$OPSBOOK_REPOSITORY/releases/download]
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, GITHUB_OUTPUT, GITHUB_PATH: from the runner
set -euo pipefail

action_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

fail() {
  printf '::error title=opsbook install::%s\n' "$*" >&2
  exit 1
}

output() {
  printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:-/dev/null}"
}

# The release archive's target triple for a runner, or nothing when no release binary exists.
target_for() {
  case "$1/$2" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# The `version = "..."` line of [package] in the repository the action comes from.
own_version() {
  local manifest="$action_dir/../../../Cargo.toml"
  [ -f "$manifest" ] || fail "no Cargo.toml next to the action; set the version input"
  sed -n '/^\[package\]/,/^\[/{s/^version *= *"\([^"]*\)".*/\1/p;}' "$manifest" | head -n 1
}

plan() {
  local version="${OPSBOOK_VERSION:-}"
  version="${version#v}"
  [ -n "$version" ] || version="$(own_version)"
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
    fail "not a version: '$version' (expected e.g. 0.1.0)"
  local target
  target="$(target_for "${RUNNER_OS:-}" "${RUNNER_ARCH:-}")"
  local dir="${RUNNER_TOOL_CACHE:?}/opsbook/$version/${target:-source}"
  output version "$version"
  output target "$target"
  output dir "$dir"
  echo "opsbook $version for ${target:-this platform (no release binary: cargo install)} in $dir"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# Downloads $1 to $2; exit status 2 when the release does not have that file (HTTP 404, or a
# missing file for file:// URLs in tests), 1 for other failures.
download() {
  local status=0
  curl --fail --silent --show-error --location --retry 3 --output "$2" "$1" || status=$?
  case "$status" in
    0) return 0 ;;
    22 | 37) return 2 ;;
    *) return 1 ;;
  esac
}

install_release() {
  local version="$1" target="$2" dir="$3"
  local repository="${OPSBOOK_REPOSITORY:-}"
  [ -n "$repository" ] || read -r repository _ <<<"$(source_from_action_path)" || true
  [ -n "$repository" ] || repository="${GITHUB_REPOSITORY:-opsbook/opsbook}"
  local base="${OPSBOOK_RELEASES_URL:-https://github.com/$repository/releases/download}/v$version"
  local archive="opsbook-$target.tar.gz"
  local tmp
  tmp="$(mktemp -d)"
  local status=0
  download "$base/$archive" "$tmp/$archive" || status=$?
  if [ "$status" -eq 2 ]; then
    echo "The v$version release has no $archive."
    return 2
  fi
  [ "$status" -eq 0 ] || fail "could not download $base/$archive"
  download "$base/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $base/SHA256SUMS"
  local expected actual
  expected="$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$tmp/SHA256SUMS")"
  [ -n "$expected" ] || fail "SHA256SUMS of v$version does not list $archive"
  actual="$(sha256_of "$tmp/$archive")"
  [ "$actual" = "$expected" ] ||
    fail "SHA-256 of $archive is $actual, but SHA256SUMS says $expected: not installing it"
  echo "SHA-256 verified: $actual  $archive"
  mkdir -p "$dir" || fail "could not create $dir"
  (cd "$tmp" && tar -xzf "$archive") || fail "could not unpack $archive"
  local exe=opsbook
  [ -f "$tmp/opsbook.exe" ] && exe=opsbook.exe
  [ -f "$tmp/$exe" ] || fail "$archive does not contain $exe"
  mv "$tmp/$exe" "$dir/$exe" || fail "could not install $exe into $dir"
  chmod +x "$dir/$exe" || fail "could not make $dir/$exe executable"
  rm -rf "$tmp"
  output method download
}

# Where the runner put a remote action: .../_actions/<owner>/<repo>/<ref>/.github/actions/opsbook-lint.
# The fallback when github.action_repository and github.action_ref are empty, as they can be
# inside composite actions. Prints "owner/repo ref", or nothing for a local action.
source_from_action_path() {
  local rest="${action_dir#*/_actions/}"
  [ "$rest" != "$action_dir" ] || return 0
  rest="${rest%/.github/actions/opsbook-lint}"
  local owner="${rest%%/*}"
  rest="${rest#*/}"
  local repo="${rest%%/*}"
  local ref="${rest#*/}"
  [ -n "$owner" ] && [ -n "$repo" ] && [ -n "$ref" ] && [ "$ref" != "$rest" ] || return 0
  echo "$owner/$repo $ref"
}

install_with_cargo() {
  local dir="$1"
  command -v cargo >/dev/null 2>&1 ||
    fail "no release binary for ${RUNNER_OS:-this OS}/${RUNNER_ARCH:-this CPU}, and no cargo to compile opsbook: add dtolnay/rust-toolchain before this action"
  echo "Compiling opsbook with cargo (no release binary for this platform)."
  local repository="${OPSBOOK_REPOSITORY:-}" ref="${OPSBOOK_REF:-}"
  if [ -z "$repository" ] || [ -z "$ref" ]; then
    read -r repository ref <<<"$(source_from_action_path)" || true
  fi
  if [ -n "$repository" ] && [ -n "$ref" ]; then
    cargo install --locked --root "$dir" --git "https://github.com/$repository" --rev "$ref" opsbook
  else
    # A local action (uses: ./.github/actions/opsbook-lint): the repository is checked out.
    cargo install --locked --root "$dir" --path "$action_dir/../../.."
  fi
  # cargo install --root puts the binary in $dir/bin.
  mv "$dir/bin/"opsbook* "$dir/"
  rmdir "$dir/bin" 2>/dev/null || true
  output method cargo
}

install() {
  local version="${OPSBOOK_VERSION:?}" target="${OPSBOOK_TARGET:-}" dir="${OPSBOOK_DIR:?}"
  # Git Bash on Windows runners: C:\hostedtoolcache\... to /c/hostedtoolcache/...
  if command -v cygpath >/dev/null 2>&1; then dir="$(cygpath -u "$dir")"; fi
  local status=0
  if [ -n "$target" ]; then
    install_release "$version" "$target" "$dir" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 2 ] || exit "$status"
  else
    status=2
  fi
  [ "$status" -eq 0 ] || install_with_cargo "$dir"
}

case "${1:-}" in
  plan) plan ;;
  install) install ;;
  *) fail "usage: install.sh plan|install" ;;
esac
