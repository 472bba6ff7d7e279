#!/usr/bin/env bash
# The default backend, auto: xdp where every send thread's AF_XDP socket opens, else sendmmsg, and the summary
# says which one sent and why. In the lab (a veth with one TX queue): one send thread sends through xdp; two
# threads cannot each bind a queue, and --pcap-out needs frames that taps see, so both send through sendmmsg,
# naming the reason. Each scan finds exactly the lab's truth. Skipped when the kernel has no AF_XDP.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

readonly TARGETS=198.19.0.0/25 PORTS=22,25,80,113,443,1000

# auto_scan NAME ARGS...: a default-backend scan of TARGETS x PORTS; checks the truth; leaves the summary's
# "sent through" line in $E2E_WORK/NAME.sent.
auto_scan() {
  local name=$1 rc=0
  shift
  scan "$TARGETS" -p "$PORTS" --wait 1 --rate 20000 --show open,closed,filtered --format ndjson \
    -o "$E2E_WORK/$name.ndjson" "$@" 2>"$E2E_WORK/$name.err" || rc=$?
  ((rc == 0)) || fail "$name: synscan exited with $rc: $(cat "$E2E_WORK/$name.err")"
  check_truth --targets "$TARGETS" --ports "$PORTS" --all "$E2E_WORK/$name.ndjson" ||
    fail "$name: reported states differ from the truth"
  grep '^synscan: sent through ' "$E2E_WORK/$name.err" >"$E2E_WORK/$name.sent" ||
    fail "$name: no 'sent through' line in the summary: $(cat "$E2E_WORK/$name.err")"
  grep -q '; send errors 0$' "$E2E_WORK/$name.sent" || fail "$name: send errors: $(cat "$E2E_WORK/$name.sent")"
  log "$name: $(cat "$E2E_WORK/$name.sent"); states match the truth"
}

auto_scan one-thread
if grep -q 'not xdp: .*Address family not supported' "$E2E_WORK/one-thread.sent"; then
  skip "the kernel has no AF_XDP sockets: $(cat "$E2E_WORK/one-thread.sent")"
fi
grep -qx 'synscan: sent through xdp; send errors 0' "$E2E_WORK/one-thread.sent" ||
  fail "one thread on the lab's veth did not send through xdp: $(cat "$E2E_WORK/one-thread.sent")"

auto_scan two-threads --send-threads 2
grep -q '^synscan: sent through sendmmsg (auto; not xdp: --send-backend xdp: .*TX queue' \
  "$E2E_WORK/two-threads.sent" ||
  fail "two threads on a one-queue veth: expected sendmmsg naming the TX queues: $(cat "$E2E_WORK/two-threads.sent")"

auto_scan pcap-out --pcap-out "$E2E_WORK/probes.pcap"
grep -q '^synscan: sent through sendmmsg (auto; not xdp: --pcap-out needs' "$E2E_WORK/pcap-out.sent" ||
  fail "--pcap-out: expected sendmmsg naming --pcap-out: $(cat "$E2E_WORK/pcap-out.sent")"
syns=$(tcpdump -nn -r "$E2E_WORK/probes.pcap" 'tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l)
((syns == 128 * 6)) || fail "--pcap-out: the file holds $syns SYNs, expected $((128 * 6))"
log "PASS"
