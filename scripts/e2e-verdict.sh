#!/usr/bin/env bash
# What skipped end-to-end tests mean, read from the ctest log of scripts/test.sh's e2e run.
#
# Usage: scripts/e2e-verdict.sh LOG
#   exit 0   every e2e test ran (passed or failed: ctest's own status says which), or some were skipped outside CI
#            (a loud warning on stderr: this machine cannot build every lab)
#   exit 1   a test was skipped under CI (CI=true): a CI runner can always make the lab (root, namespaces), so a
#            skip there hides a test that did not run
#   exit 77  no e2e test ran at all (every one skipped) outside CI: the run proves nothing end to end, and
#            scripts/test.sh must not report it as a pass
# A skip is ctest's "***Skipped" (a script's exit 77, a GTEST_SKIP) or "Not Run".
set -euo pipefail

(($# == 1)) || {
  echo "usage: $0 CTEST_LOG" >&2
  exit 2
}
log=$1
[[ -r $log ]] || {
  echo "e2e-verdict: cannot read '$log'" >&2
  exit 2
}

total=$(grep -cE 'Test +#[0-9]+: ' "$log" || true)
skipped=$(grep -E 'Test +#[0-9]+: .*(\*\*\*Skipped|Not Run)' "$log" || true)
n_skipped=0
[[ -z $skipped ]] || n_skipped=$(wc -l <<<"$skipped")
((n_skipped > 0)) || exit 0

ci=false
[[ ${CI:-} == true || ${CI:-} == 1 ]] && ci=true
{
  echo "=================================================================="
  if [[ $ci == true ]]; then
    echo "FAILURE: $n_skipped OF $total END-TO-END TESTS WERE SKIPPED UNDER CI (CI=$CI):"
    echo "a CI runner can always make the lab, so a skipped test is a test that did not run."
  else
    echo "WARNING: $n_skipped OF $total END-TO-END TESTS WERE SKIPPED (no network namespaces here;"
    echo "run as root on Linux with iproute2 and nftables to run them):"
  fi
  printf '%s\n' "$skipped"
  echo "=================================================================="
} >&2
if [[ $ci == true ]]; then exit 1; fi
if ((n_skipped == total)); then
  echo "e2e-verdict: no end-to-end test ran: exit 77 (skipped), not a pass" >&2
  exit 77
fi
exit 0
