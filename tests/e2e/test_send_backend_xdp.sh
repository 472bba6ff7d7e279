#!/usr/bin/env bash
# --send-backend xdp (AF_XDP, copy mode) sends every probe exactly once: scans through it find exactly the lab's
# truth and the SYNs captured on the target side are the probes, each once; with --send-threads 2 as well, once
# the scanner's veth has two TX queues (each send thread binds its own queue). Its refusals are one line each:
# two threads on a one-queue veth (exit 1, naming ethtool), and --pcap-out, whose capture could not see AF_XDP
# frames (exit 2). Skipped when the kernel has no AF_XDP (CONFIG_XDP_SOCKETS).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/capture.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture.sh"

skip_if_no_netns
lab_up

# xdp_scan NAME EXPECTED_SYNS TARGETS PORTS ARGS...: scans through AF_XDP, checks the truth and the wire.
xdp_scan() {
  local name=$1 expected=$2 targets=$3 ports=$4 rc=0
  shift 4
  capture_start "tcp[tcpflags] == tcp-syn and dst net 198.19.0.0/16"
  scan "$targets" -p "$ports" --wait 1 --send-backend xdp --show open,closed,filtered --format ndjson \
    -o "$E2E_WORK/$name.ndjson" "$@" 2>"$E2E_WORK/$name.err" || rc=$?
  capture_stop >"$E2E_WORK/$name.syns"
  if ((rc != 0)) && grep -q "socket(AF_XDP): Address family not supported" "$E2E_WORK/$name.err"; then
    skip "the kernel has no AF_XDP sockets: $(cat "$E2E_WORK/$name.err")"
  fi
  ((rc == 0)) || fail "$name: synscan exited with $rc: $(cat "$E2E_WORK/$name.err")"
  check_truth --targets "$targets" --ports "$ports" --all "$E2E_WORK/$name.ndjson" ||
    fail "$name: reported states differ from the truth"
  local count distinct
  count=$(wc -l <"$E2E_WORK/$name.syns")
  ((count == expected)) || fail "$name: captured $count SYNs, expected $expected"
  distinct=$(awk '{print $4, $3}' "$E2E_WORK/$name.syns" | sort -u | wc -l)
  ((distinct == expected)) || fail "$name: $distinct distinct probes among the $expected SYNs"
  log "$name: $count SYNs, each once; states match the truth"
}

# One send thread: a /24 x every kind of port (open, closed, dropped, ICMP-rejected), then a /20 x 2 ports at a
# higher rate, which goes round the 1,024-entry TX ring and the 1,024-chunk UMEM eight times.
xdp_scan one-thread 1536 198.19.0.0/24 22,25,80,113,443,1000 --rate 20000
xdp_scan one-thread-wrap 8192 198.19.0.0/20 80,8081 --rate 50000

# Two threads on a veth with one TX queue: the second cannot bind a queue of its own.
rc=0
scan 198.19.0.0/24 -p 80 --wait 0 --send-backend xdp --send-threads 2 >/dev/null 2>"$E2E_WORK/queues.all" || rc=$?
grep -v "^\[$E2E_TEST_NAME\]" "$E2E_WORK/queues.all" >"$E2E_WORK/queues.err" || true  # without scan's own log line
((rc == 1)) || fail "two threads on one queue: exit $rc, expected 1: $(cat "$E2E_WORK/queues.err")"
(($(wc -l <"$E2E_WORK/queues.err") == 1)) || fail "two threads on one queue: not one line: $(cat "$E2E_WORK/queues.err")"
grep -q "^synscan: --send-backend xdp: .*TX queue.*ethtool -L veth-scan" "$E2E_WORK/queues.err" ||
  fail "two threads on one queue: unclear error: $(cat "$E2E_WORK/queues.err")"
log "two threads on one queue refused: $(cat "$E2E_WORK/queues.err")"

# --pcap-out could not see the probes: bad input, refused before anything is opened.
rc=0
scan 198.19.0.0/24 -p 80 --send-backend xdp --pcap-out "$E2E_WORK/x.pcap" >/dev/null 2>"$E2E_WORK/pcap.err" || rc=$?
((rc == 2)) || fail "--pcap-out: exit $rc, expected 2: $(cat "$E2E_WORK/pcap.err")"
grep -q "cannot be used with --pcap-out" "$E2E_WORK/pcap.err" || fail "--pcap-out: $(cat "$E2E_WORK/pcap.err")"
[[ ! -e $E2E_WORK/x.pcap ]] || fail "--pcap-out: the file was created"

# Two TX queues on the scanner's veth: one per send thread.
"$LAB_SH" exec "$LAB_NAME" ethtool -L veth-scan tx 2 rx 2 || skip "cannot give veth-scan two queues (ethtool -L)"
xdp_scan two-threads 1536 198.19.0.0/24 22,25,80,113,443,1000 --rate 20000 --send-threads 2
log "PASS"
