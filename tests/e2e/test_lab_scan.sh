#!/usr/bin/env bash
# A /24 plus four addresses of the lab's drop block x 7 ports at 100k pps, checked probe by probe against the
# lab's ground truth: (a) the default --show open finds every open port and nothing else; (b) with every state
# shown, each probe is reported exactly once with the state and reason the truth gives.
# IPv6: (c) as (b) on 2001:2:0:1::/120 and four addresses of the IPv6 drop block; (d) one scan of IPv4 and IPv6
# targets together, checked against both truths (skipped only on a kernel without IPv6, never under CI).
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

if ! jq -e .ipv6 "$LAB_TRUTH" >/dev/null; then
  # Under CI the lab always has IPv6: a lab without it is a failure there, not a reason to pass.
  [[ ${CI:-} == true ]] && fail "(c), (d): the lab has no IPv6 under CI"
  log "(c), (d) skipped: the lab has no IPv6 (kernel without IPv6?)"
else
  targets6=(2001:2:0:1::/120 2001:2:0:1::ff00/126)
  log "(c) IPv6, --show open,closed,filtered"
  scan "${targets6[@]}" -p "$ports" --rate 100000 --wait 2 --show open,closed,filtered --format ndjson \
    -o "$E2E_WORK/all6.ndjson" || fail "synscan exited with $? (c)"
  check_truth --targets "${targets6[@]}" --ports "$ports" --all "$E2E_WORK/all6.ndjson" ||
    fail "(c) reported IPv6 states differ from the truth"

  log "(d) IPv4 and IPv6 in one scan"
  mixed=(198.19.0.0/28 2001:2:0:1::/124 198.19.255.0/30 2001:2:0:1::ff00/126)
  scan "${mixed[@]}" -p "$ports" --rate 100000 --wait 2 --show open,closed,filtered --format ndjson \
    -o "$E2E_WORK/mixed.ndjson" || fail "synscan exited with $? (d)"
  check_truth --targets "${mixed[@]}" --ports "$ports" --all "$E2E_WORK/mixed.ndjson" ||
    fail "(d) a mixed IPv4/IPv6 scan differs from the truth"
fi

log "PASS"
