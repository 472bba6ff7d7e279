# shellcheck shell=bash
# Packet capture on the lab's target side for the pacing tests: what arrived on the wire, with its kernel
# timestamps, independent of anything synscan reports. Source after lib.sh, call after lab_up.
#
#   capture_start FILTER   starts tcpdump on veth-tgt inside the target namespace (to the pcap file
#                          $E2E_WORK/capture.pcap) and returns once it captures; bounded by a 120 s timeout
#   capture_stop           stops it (SIGINT: the file is complete) and prints one line per packet:
#                          "EPOCH_SECONDS SRC_PORT DST_PORT DST_IP" in capture order

CAPTURE_PID=

capture_start() {
  local filter=$1 i
  : >"$E2E_WORK/capture.err"
  # -B: a 64 MiB ring, so that a capture at 50k pps keeps every frame on a loaded machine (the default 2 MiB
  # dropped dozens under CI load).
  "$LAB_SH" exec-target "$LAB_NAME" timeout -s INT 120 tcpdump -i veth-tgt -n -U -B 65536 \
    -w "$E2E_WORK/capture.pcap" \
    "$filter" 2>"$E2E_WORK/capture.err" &
  CAPTURE_PID=$!
  for ((i = 0; i < 100; i++)); do
    grep -q "listening on" "$E2E_WORK/capture.err" && return 0
    kill -0 "$CAPTURE_PID" 2>/dev/null || fail "tcpdump exited: $(cat "$E2E_WORK/capture.err")"
    sleep 0.1
  done
  fail "tcpdump did not start capturing within 10 s"
}

capture_stop() {
  [[ -n $CAPTURE_PID ]] || fail "capture_stop without capture_start"
  # libpcap's TPACKET_V3 ring hands frames over in blocks that its timer retires up to 1 s (tcpdump's
  # timeout) after their first frame, and a block not yet retired at SIGINT is lost with its frames: the last
  # SYNs of a slow scan went missing. Wait past that timer.
  sleep 1.2
  kill -INT "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
  CAPTURE_PID=
  # "1700000000.123456 IP 198.18.0.1.61234 > 198.19.0.9.60000: Flags [S], ..."
  #   -> "1700000000.123456 61234 60000 198.19.0.9"
  tcpdump -r "$E2E_WORK/capture.pcap" -n -tt 2>/dev/null |
    awk '$2 == "IP" { n = split($3, s, "."); split($5, d, "."); sub(":", "", d[5])
                      print $1, s[n], d[5], d[1] "." d[2] "." d[3] "." d[4] }'
}
