#!/usr/bin/env bash
# Outputs that fail while a scan runs, in a lab. Every write error names the file and the system's reason and the
# scan exits 1; the summary and --metadata are still written, and the outputs that work get every result.
#   - -o /dev/full (ENOSPC): exit 1, last line "cannot write output '/dev/full': No space left on device"
#   - --pcap-out /dev/full: the same for the capture file (it could exit 0 with the capture lost)
#   - stdout the only output and its reader gone (`| head -1`, `| true`): the scan stops sending at once (it sent
#     to the end, 13 s in one test), says so, writes no resume file and exits 1; with another output still open it
#     warns once and goes on, and that output gets every result.
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
  grep -Eq "probes? sent in" "$E2E_WORK/err" || fail "synscan $*: no summary: $(cat "$E2E_WORK/err")"
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

# piped ARGS... | READER...: runs the scan into the pipe; sets RC (synscan's exit status) and ELAPSED_MS. stderr
# (without the test's own log lines) in $E2E_WORK/err.
piped() {
  local sep start
  for ((sep = 1; sep <= $#; sep++)); do [[ ${!sep} == "|" ]] && break; done
  local args=("${@:1:sep-1}") reader=("${@:sep+1}")
  start=$(date +%s%N)
  set +o pipefail
  cd "$E2E_WORK"  # where a resume file would go
  scan "${args[@]}" 2>"$E2E_WORK/err.all" | "${reader[@]}" >/dev/null
  RC=${PIPESTATUS[0]}
  cd - >/dev/null
  set -o pipefail
  ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
  grep -v "^\[$E2E_TEST_NAME\] " "$E2E_WORK/err.all" >"$E2E_WORK/err" || true
}

# expect_stopped: the run stopped at once because its only output was gone (see piped).
expect_stopped() {
  ((RC == 1)) || fail "exit $RC, want 1: $(cat "$E2E_WORK/err")"
  ((ELAPSED_MS < 8000)) || fail "took ${ELAPSED_MS} ms: the scan did not stop when its reader went away"
  grep -qx "synscan: warning: cannot write standard output: Broken pipe; no output can take results any more: stopping the scan" \
    "$E2E_WORK/err" || fail "no warning that the scan stops: $(cat "$E2E_WORK/err")"
  grep -q "interrupted after" "$E2E_WORK/err" || fail "the summary does not say interrupted: $(cat "$E2E_WORK/err")"
  [[ $(tail -n 1 "$E2E_WORK/err") == "synscan: cannot write standard output: Broken pipe" ]] ||
    fail "last line: $(tail -n 1 "$E2E_WORK/err")"
  [[ ! -e $E2E_WORK/synscan.resume ]] || fail "a resume file was written for a scan whose results were lost"
  log "ok: stopped after ${ELAPSED_MS} ms, exit 1"
}

log "| head -1 with stdout the only output: 65,536 probes at 2,000 pps would take 33 s"
piped 198.19.0.0/16 -p 80 --rate 2000 --wait 1 "|" head -n 1
expect_stopped

log "| true (no result is ever written: the dropped port 25): the reader's end is seen without a write"
piped 198.19.0.0/16 -p 25 --rate 2000 --wait 1 "|" true
expect_stopped

log "| head -1 with a second output: warn once, go on, that output gets every result"
piped 198.19.0.0/22 -p 80 --rate 4000 --wait 1 -o - -oD "$E2E_WORK/all.ndjson" "|" head -n 1
((RC == 1)) || fail "exit $RC, want 1: $(cat "$E2E_WORK/err")"
[[ $(grep -c "warning: cannot write standard output: Broken pipe; the other outputs go on" "$E2E_WORK/err") == 1 ]] ||
  fail "want one warning: $(cat "$E2E_WORK/err")"
grep -q "done in" "$E2E_WORK/err" || fail "the scan did not run to its end: $(cat "$E2E_WORK/err")"
[[ $(tail -n 1 "$E2E_WORK/err") == "synscan: cannot write standard output: Broken pipe" ]] ||
  fail "last line: $(tail -n 1 "$E2E_WORK/err")"
[[ $(jq -r .ip "$E2E_WORK/all.ndjson" | sort -u | wc -l) == 1024 ]] ||
  fail "the NDJSON output has $(wc -l <"$E2E_WORK/all.ndjson") lines, want 1024"
log "ok: one warning, the scan went on, all.ndjson has all 1024 results"

log "PASS"
