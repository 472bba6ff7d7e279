#!/usr/bin/env bash
# C-N30 (issue 23 item 1): the scanner's interface goes down mid-scan.
#   (a) back up within the bound (10 s): the scan waits, goes on and its results are exact (sendmmsg and, where
#       it opens, xdp: the backend the issue saw abort).
#   (b) left down: the scan stops as Ctrl-C does: exit 1, one stderr line naming the interface and the error,
#       the summary, -oX valid XML, -oD valid NDJSON, the resume file written; resumed once the link is back,
#       stopped + resumed report every probe exactly (no frame lost in the transmitter's ring at the stop).
#   (c) the interface removed (send and capture both fail): the same clean stop, exit 1.
# Before the fix a send error ended the process (exit 134, XML unterminated, no resume file).
# Each scan: 1024 hosts x 3 ports at 1500 pps, about 2 s of sending plus the outage.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
command -v xmllint >/dev/null || skip "xmllint not found (libxml2-utils)"
lab_up
readonly NS=$LAB_NAME-scan IFACE=veth-scan TARGETS=198.19.0.0/22 PORTS=22,80,1000

# Brings the link back with the lab's route (a link going down takes the routes through it away).
link_up() {
  ip -n "$NS" link set "$IFACE" up
  ip -n "$NS" route replace 198.19.0.0/16 via 198.18.0.2 dev "$IFACE"
}

# run_with_outage NAME DOWN_S [SYNSCAN ARGS...]: the scan in the background, the link down 1.5 s in for DOWN_S
# seconds (DOWN_S = "forever": not brought back while the scan runs). Leaves NAME.rc, NAME.err.
run_with_outage() {
  local name=$1 down=$2 rc=0
  shift 2
  mkdir -p "$E2E_WORK/$name"
  chmod 777 "$E2E_WORK/$name"  # synscan writes its resume file after dropping root
  local d=$E2E_WORK/$name
  scan "$TARGETS" -p "$PORTS" --rate 1500 --wait 2 --no-status -oX "$d/r.xml" -oD "$d/r.ndjson" \
    --resume-file "$d/r.resume" "$@" >/dev/null 2>"$d/err" &
  local pid=$!
  sleep 1.5
  ip -n "$NS" link set "$IFACE" down
  if [[ $down != forever ]]; then
    sleep "$down"
    link_up
  fi
  wait "$pid" || rc=$?
  [[ $down == forever ]] && link_up
  echo "$rc" >"$d/rc"
}

for backend in sendmmsg xdp; do
  run_with_outage "up-$backend" 2.5 --send-backend "$backend"
  d=$E2E_WORK/up-$backend
  rc=$(cat "$d/rc")
  if [[ $backend == xdp ]] && ((rc != 0)) && grep -q "AF_XDP\|xdp" "$d/err" && ! grep -q "link $IFACE" "$d/err"; then
    log "(a) xdp does not open here, skipped: $(head -1 "$d/err")"
    continue
  fi
  ((rc == 0)) || fail "(a) $backend: the link came back within the bound, yet synscan exited $rc: $(cat "$d/err")"
  grep -q "link $IFACE down" "$d/err" || fail "(a) $backend: no note that the link went down: $(cat "$d/err")"
  grep -q "link $IFACE back up" "$d/err" || fail "(a) $backend: no note that the link came back: $(cat "$d/err")"
  check_truth --targets "$TARGETS" --ports "$PORTS" "$d/r.ndjson" || fail "(a) $backend: results not exact"
  xmllint --noout "$d/r.xml" || fail "(a) $backend: XML not valid"
  log "(a) $backend: down 2.5 s, waited, results exact"
done

run_with_outage stays-down forever --show all  # the default backend (auto: xdp where it opens)
d=$E2E_WORK/stays-down
rc=$(cat "$d/rc")
((rc == 1)) || fail "(b) the link stayed down: exit $rc, want 1: $(cat "$d/err")"
grep -q "^synscan: link $IFACE down for more than 10 s: .*Network is down" "$d/err" ||
  fail "(b) no line naming the interface and the error: $(cat "$d/err")"
grep -q "interrupted after" "$d/err" || fail "(b) no summary of an interrupted scan: $(cat "$d/err")"
[[ -s $d/r.resume ]] || fail "(b) no resume file"
xmllint --noout "$d/r.xml" || fail "(b) XML not valid after the stop"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$d/r.ndjson" || fail "(b) NDJSON not valid"
# The link is back: the resume sends exactly what the stop left, so stopped + resumed is the whole truth.
rc=0
scan --resume "$d/r.resume" --no-status >/dev/null 2>"$d/resume.err" || rc=$?
((rc == 0)) || fail "(b) the resume after the link came back exited $rc: $(cat "$d/resume.err")"
check_truth --targets "$TARGETS" --ports "$PORTS" --all "$d/r.ndjson" || fail "(b) stopped + resumed is not exact"
log "(b) left down: exit 1, outputs whole, resume file written; stopped + resumed exact"

# (c) The interface removed: the capture fails too (libpcap: the interface disappeared); the same clean stop.
d=$E2E_WORK/removed
mkdir -p "$d"
chmod 777 "$d"
rc=0
scan "$TARGETS" -p "$PORTS" --rate 1500 --wait 2 --no-status -oX "$d/r.xml" -oD "$d/r.ndjson" \
  --resume-file "$d/r.resume" --send-backend sendmmsg >/dev/null 2>"$d/err" &
pid=$!
sleep 1.5
ip -n "$NS" link del "$IFACE"
wait "$pid" || rc=$?
((rc == 1)) || fail "(c) the interface removed: exit $rc, want 1: $(cat "$d/err")"
grep -q "^synscan: .*$IFACE" "$d/err" || fail "(c) no line naming the interface: $(cat "$d/err")"
[[ -s $d/r.resume ]] || fail "(c) no resume file"
xmllint --noout "$d/r.xml" || fail "(c) XML not valid after the stop"
log "(c) interface removed: exit 1, $(grep "^synscan: .*$IFACE" "$d/err" | tail -1)"
log "PASS"
