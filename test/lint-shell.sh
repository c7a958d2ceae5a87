#!/bin/sh
# Part of `npm run lint`: the shell code devenv ships or runs. shellcheck knows sh, bash, dash and ksh, not zsh
# or fish, so the zsh and fish hooks get their own shell's syntax check instead. A missing tool is skipped
# with a note on a developer's machine; under CI (CI=1, .ci/run installs them all) it fails, as the tests do.
set -eu
cd "$(dirname "$0")/.."
status=0
check() {
  tool=$1
  shift
  if command -v "$tool" >/dev/null 2>&1; then
    "$@" || status=1
  elif [ -n "${CI-}" ] && [ "$CI" != 0 ] && [ "$CI" != false ]; then
    echo "lint-shell: $tool is not installed (apt-get install $tool); CI checks every hook" >&2
    status=1
  else
    echo "lint-shell: $tool is not installed: skipped ($*)" >&2
  fi
}
check shellcheck shellcheck shell-hooks/devenv.bash bin/devenv .ci/run test/lint-shell.sh
check zsh zsh -n shell-hooks/devenv.zsh
check fish fish --no-execute shell-hooks/devenv.fish
exit "$status"
