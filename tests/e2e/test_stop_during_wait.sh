#!/usr/bin/env bash
# C-N31 (issue 23 item 4): a stop during --wait is an interrupted scan, not a finished one.
#   1. SIGINT 3 s into a 10 s --wait: "interrupted": true in --metadata, the resume file written, the stop
#      acknowledged on stderr at once, -oJ valid. (Before: "interrupted": false and exit 0 as if finished.)
#   2. SIGINT, then a second SIGINT 0.2 s later: -oJ still valid JSON, and stderr says the drain is skipped.
#      (Before: the second signal killed the process, -oJ unterminated, nothing on stderr.)
#   3. --max-runtime ending during the --wait: the same as 1.
# 16 hosts x 2 ports: every probe is sent at once, the rest of each run is the wait.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

# start NAME [ARGS...]: the scan in the background (its pid in SCANNER); outputs under $E2E_WORK/NAME.
# --foreground: timeout passes a signal to synscan once, not also to its process group.
start() {
  local d=$E2E_WORK/$1
  shift
  mkdir -p "$d"
  chmod 777 "$d"  # synscan writes its resume file after dropping root
  timeout --foreground -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" 198.19.0.0/28 -p 25,80 \
    --show all --no-status -oJ "$d/w.json" --wait 10 --metadata "$d/m.json" --resume-file "$d/r.resume" "$@" \
    >/dev/null 2>"$d/err" &
  SCANNER=$!
}

# check NAME RC: an interrupted scan's files.
check() {
  local d=$E2E_WORK/$1 rc=$2
  ((rc == 0)) || fail "$1: exit $rc (a stop exits 0): $(cat "$d/err")"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/w.json" || fail "$1: -oJ is not valid JSON"
  [[ $(jq -r .interrupted "$d/m.json") == true ]] || fail "$1: --metadata says interrupted: $(jq .interrupted "$d/m.json")"
  [[ -s $d/r.resume ]] || fail "$1: no resume file"
  grep -q "interrupted after" "$d/err" || fail "$1: the summary does not say interrupted: $(cat "$d/err")"
}

start one
sleep 3
kill -s INT "$SCANNER"
rc=0
wait "$SCANNER" || rc=$?
check one "$rc"
# Acknowledged during the drain, not only by the summary at its end: the line comes first (no timing assumed).
first=$(grep -n -m1 "synscan: stopping" "$E2E_WORK/one/err" | cut -d: -f1)
summary=$(grep -n -m1 "interrupted after" "$E2E_WORK/one/err" | cut -d: -f1)
if [[ -z $first ]] || ((first > summary)); then
  fail "1: the stop is not acknowledged before the summary: $(cat "$E2E_WORK/one/err")"
fi
log "1: SIGINT during --wait: interrupted, resume file, acknowledged"

start two
sleep 3
kill -s INT "$SCANNER"
sleep 0.2
kill -s INT "$SCANNER"
rc=0
wait "$SCANNER" || rc=$?
check two "$rc"
grep -q "stopping now" "$E2E_WORK/two/err" || fail "2: nothing on stderr about the second SIGINT: $(cat "$E2E_WORK/two/err")"
log "2: two SIGINTs 0.2 s apart: outputs valid, both acknowledged"

start three --max-runtime 3
rc=0
wait "$SCANNER" || rc=$?
check three "$rc"
log "3: --max-runtime during --wait: interrupted, resume file"

# A resume of the stop during the wait reports what the stopped run did not: the filtered port 25.
d=$E2E_WORK/one
rc=0
timeout -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" --resume "$d/r.resume" --wait 1 >/dev/null \
  2>"$d/resume.err" || rc=$?
((rc == 0)) || fail "resume exited $rc: $(cat "$d/resume.err")"
filtered=$(jq '[.[] | select(.state == "filtered")] | length' "$d/w.json.resumed")
((filtered == 16)) || fail "the resumed run reported $filtered filtered results, want 16"
log "PASS"
