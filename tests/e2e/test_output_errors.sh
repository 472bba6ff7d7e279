#!/usr/bin/env bash
# Outputs that fail while a scan runs, in a lab. Every write error names the file and the system's reason and the
# scan exits 1; the summary and --metadata are still written, and the outputs that work get every result.
#   - -o /dev/full (ENOSPC): exit 1, last line "cannot write output '/dev/full': No space left on device"
#   - --pcap-out /dev/full: the same for the capture file (it could exit 0 with the capture lost)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

# expect_write_error TEXT ARGS...: a scan with ARGS exits 1, its summary is on stderr and its last stderr line is
# "synscan: TEXT".
expect_write_error() {
  local text=$1 rc=0
  shift
  scan "$@" >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
  ((rc == 1)) || fail "synscan $* exited $rc, want 1: $(cat "$E2E_WORK/err")"
  grep -q "probes sent in" "$E2E_WORK/err" || fail "synscan $*: no summary: $(cat "$E2E_WORK/err")"
  [[ $(tail -n 1 "$E2E_WORK/err") == "synscan: $text" ]] ||
    fail "synscan $*: last line '$(tail -n 1 "$E2E_WORK/err")', want 'synscan: $text'"
  log "ok (exit 1): $(tail -n 1 "$E2E_WORK/err")"
}

full="No space left on device"
expect_write_error "cannot write output '/dev/full': $full" \
  198.19.0.0/28 -p 80 --wait 1 -o /dev/full --metadata "$E2E_WORK/meta.json"
[[ $(jq .results.open "$E2E_WORK/meta.json") == 16 ]] || fail "--metadata after a failed output: $(cat "$E2E_WORK/meta.json")"

expect_write_error "cannot write --pcap-out '/dev/full': $full" \
  198.19.0.0/28 -p 80 --wait 1 --pcap-out /dev/full -oL "$E2E_WORK/list.txt"
[[ $(grep -c '^open tcp 80 ' "$E2E_WORK/list.txt") == 16 ]] || fail "the list output beside a failed --pcap-out: $(cat "$E2E_WORK/list.txt")"

log "PASS"
