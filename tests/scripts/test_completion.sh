#!/usr/bin/env bash
# Bash completion from a checkout (README: source completion/synscan.bash), with synscan not on PATH: the command
# typed as a path (build/cli/synscan) gets its options from that binary's --help, and the format values.
set -euo pipefail
src=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=${1:-$src/build/cli/synscan}  # ctest passes the binary it built
[[ -x $bin ]] || {
  echo "test_completion: $bin not built (usage: $0 [SYNSCAN_BINARY])" >&2
  exit 1
}
PATH=/usr/bin:/bin  # no synscan here
! command -v synscan >/dev/null || {
  echo "test_completion: a synscan is on PATH: $(command -v synscan)" >&2
  exit 1
}
# shellcheck source=completion/synscan.bash
source "$src/completion/synscan.bash"
[[ $(complete -p synscan) == "complete -F _synscan synscan" ]] || {
  echo "FAIL: completion not registered for synscan: $(complete -p synscan 2>&1)" >&2
  exit 1
}
failures=0
# complete_words WORD...: COMPREPLY for the last word, as bash would ask _synscan.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _synscan
  printf '%s\n' "${COMPREPLY[@]}"
}
got=$(complete_words "$bin" --no-def)
[[ $got == "--no-default-excludes" ]] || {
  echo "FAIL: '$bin --no-def<TAB>' gave '$got'" >&2
  failures=$((failures + 1))
}
got=$(complete_words "$bin" 198.19.0.0/24 --format nd)
[[ $got == ndjson ]] || {
  echo "FAIL: '--format nd<TAB>' gave '$got'" >&2
  failures=$((failures + 1))
}
((failures == 0)) || exit 1
echo "test_completion: ok" >&2
