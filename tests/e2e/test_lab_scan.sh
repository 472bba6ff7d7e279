#!/usr/bin/env bash
# A /24 plus four addresses of the lab's drop block x 7 ports at 100k pps, checked probe by probe against the
# lab's ground truth: (a) the default --show open finds every open port and nothing else; (b) with every state
# shown, each probe is reported exactly once with the state and reason the truth gives.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

targets=(198.19.0.0/24 198.19.255.0/30)
ports=22,25,80,113,443,1000,8080

log "(a) default --show open, NDJSON on stdout"
scan "${targets[@]}" -p "$ports" --rate 100000 --wait 2 --format ndjson >"$E2E_WORK/open.ndjson" ||
  fail "synscan exited with $? (a)"
check_truth --targets "${targets[@]}" --ports "$ports" "$E2E_WORK/open.ndjson" ||
  fail "(a) open ports differ from the truth"

log "(b) --show open,closed,filtered, NDJSON to a file"
scan "${targets[@]}" -p "$ports" --rate 100000 --wait 2 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/all.ndjson" >"$E2E_WORK/b.stdout" || fail "synscan exited with $? (b)"
[[ -s $E2E_WORK/all.ndjson ]] || fail "(b) -o $E2E_WORK/all.ndjson is empty or missing"
if grep -q '"ip"' "$E2E_WORK/b.stdout"; then
  fail "(b) results went to stdout although -o FILE was given"
fi
check_truth --targets "${targets[@]}" --ports "$ports" --all "$E2E_WORK/all.ndjson" ||
  fail "(b) reported states differ from the truth"

log "PASS"
