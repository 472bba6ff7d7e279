#!/usr/bin/env bash
# Bash completion from a checkout (README: source completion/synscan.bash), with synscan not on PATH: the command
# typed as a path (build/cli/synscan) gets its options from that binary's --help, the fixed values of its options
# and file names for every option that reads or writes a file (issue 22, item 6). Twice: with bash-completion's
# helpers loaded (/usr/share/bash-completion/bash_completion, as an installed synscan completes) and without
# (sourced by hand in a shell without bash-completion). Sends no packet.
set -euo pipefail
src=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=${1:-$src/build/cli/synscan}  # ctest passes the binary it built
[[ -x $bin ]] || {
  echo "test_completion: $bin not built (usage: $0 [SYNSCAN_BINARY])" >&2
  exit 1
}
bin=$(realpath -- "$bin")  # the cases run in a scratch directory
helpers=${BASH_COMPLETION_SCRIPT:-/usr/share/bash-completion/bash_completion}
[[ -r $helpers ]] || {
  echo "test_completion: $helpers missing (package bash-completion; scripts/install-deps.sh)" >&2
  exit 1
}
PATH=/usr/bin:/bin  # no synscan here
! command -v synscan >/dev/null || {
  echo "test_completion: a synscan is on PATH: $(command -v synscan)" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
mkdir "$work/scans"
touch "$work/targets.txt" "$work/keep-out.txt" "$work/scan.resume" "$work/shard-1.ndjson" "$work/shard-2.ndjson"
cd "$work"

# complete_words WORD...: COMPREPLY for the last word, one a line, sorted, as bash asks _synscan at the end of
# the line: the words as bash splits them (COMP_WORDBREAKS: '--rate=au' is '--rate' '=' 'au').
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE=$(printf '%s' "$1"; shift; for w in "$@"; do [[ $w == = || ${prev_w-} == = ]] && printf '%s' "$w" ||
    printf ' %s' "$w"; prev_w=$w; done)
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _synscan 2>/dev/null
  ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}" | sort
}

# run_cases MODE: every case; prints one FAIL line each and returns the number failed.
run_cases() {
  local mode=$1 failures=0 got
  # expect WANT WORD...: the completions of the last word, joined by blanks, must be WANT.
  expect() {
    local want=$1
    shift
    got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
    [[ $got == "$want" ]] || {
      echo "FAIL ($mode): '${*:2}<TAB>' gave '$got', want '$want'" >&2
      failures=$((failures + 1))
    }
  }
  expect "--no-default-excludes" "$bin" --no-def
  expect "ndjson" "$bin" 198.19.0.0/24 --format nd
  expect "-sS -sU -sn" "$bin" -s
  expect "S U n" "$bin" -s ''
  expect "auto auto:" "$bin" 198.19.0.0/24 --rate ''
  expect "auto auto:" "$bin" 198.19.0.0/24 --rate a
  expect "auto auto:" "$bin" --rate = a
  expect "" "$bin" -p 8
  # Every option that names a file offers file names.
  local opt
  for opt in -iL --include-file --exclude-file --config --resume --resume-file -o --output -oX -oG -oD -oA \
    --output-json --metadata --pcap-out --udp-payload-file; do
    expect "keep-out.txt" "$bin" 198.19.0.0/24 "$opt" k
  done
  expect "scan.resume scans" "$bin" --resume sc
  expect "targets.txt" "$bin" --config = t
  # synscan merge FILE...: the inputs and -o are files, --format its formats.
  expect "merge" "$bin" me
  expect "shard-1.ndjson shard-2.ndjson" "$bin" merge sh
  expect "shard-1.ndjson shard-2.ndjson" "$bin" merge shard-1.ndjson sh
  expect "scan.resume scans" "$bin" merge -o sc
  expect "xml" "$bin" merge --format x
  expect "--format" "$bin" merge --f
  return "$failures"
}

# shellcheck source=completion/synscan.bash
source "$src/completion/synscan.bash"
[[ $(complete -p synscan) == "complete -F _synscan synscan" ]] || {
  echo "FAIL: completion not registered for synscan: $(complete -p synscan 2>&1)" >&2
  exit 1
}
failures=0
run_cases "without bash-completion" || failures=$((failures + $?))
# bash-completion's helpers (as in an interactive shell with the package installed); it is not written for set -eu.
set +eu
# shellcheck disable=SC1090
source "$helpers"
set -eu
declare -F _init_completion >/dev/null || {
  echo "test_completion: $helpers defines no _init_completion" >&2
  exit 1
}
run_cases "with bash-completion" || failures=$((failures + $?))
((failures == 0)) || {
  echo "test_completion: $failures failure(s)" >&2
  exit 1
}
echo "test_completion: ok" >&2
