#!/usr/bin/env bash
# C18: a scan stopped by SIGINT at a random moment and continued with `synscan --resume FILE` (no other flags) is
# one uninterrupted scan: every probe is on the wire exactly once per pass it belongs to (counted by tcpdump in the
# target namespace, per (ip, port)), and the results (the stopped run's plus the resumed run's, appended to the same
# NDJSON file) equal an uninterrupted scan's with the same seed, each (ip, port) once. Three cases:
#   (a) 2 send threads, no retries, SIGINT at a random moment;
#   (b) 1 send thread, --retries 1 (unanswered probes twice on the wire), SIGTERM at a random moment;
#   (c) --max-runtime stops the scan and writes the resume file; --resume finishes it.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
command -v tcpdump >/dev/null || fail "tcpdump not installed (scripts/install-deps.sh installs it)"
lab_up

# 576 addresses (512 answering, 64 in the drop block) x 4 ports (open, filtered by drop, closed, ICMP-rejected).
targets=(198.19.0.0/23 198.19.255.0/26)
ports=22,25,81,113
common=(--ports "$ports" --show all --format ndjson --wait 1 --seed 424242)

# Starts tcpdump in the target namespace, capturing SYNs (no ACK) to $1; waits until it listens.
capture_start() {
  local pcap=$1
  "$LAB_SH" exec-target "$LAB_NAME" tcpdump -i veth-tgt -U -Z root -w "$pcap" -s 96 \
    'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>"$pcap.log" &
  CAPTURE_PID=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$pcap.log" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "tcpdump did not start: $(cat "$pcap.log")"
}
capture_stop() {
  sleep 0.5
  kill -INT "$CAPTURE_PID"
  wait "$CAPTURE_PID" || true
}

# Runs synscan in the background inside the scanner namespace, stops it with SIG$STOP_SIGNAL after a random delay of
# $STOP_MIN-$STOP_MAX s ($SYNSCAN_STOP_AFTER, if set, fixes it: to reproduce a failure).
scan_interrupted() {
  local delay
  delay=${SYNSCAN_STOP_AFTER:-$(python3 -c "import random; print(round(random.uniform($STOP_MIN, $STOP_MAX), 2))")}
  log "synscan $* (SIG$STOP_SIGNAL after $delay s)"
  "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" "$@" 2>"$E2E_WORK/stopped.err" &
  local pid=$! rc=0
  sleep "$delay"
  kill -"$STOP_SIGNAL" "$pid" 2>/dev/null || log "synscan already finished before SIG$STOP_SIGNAL"
  timeout -k 5 "$SCAN_TIMEOUT" tail --pid="$pid" -f /dev/null || fail "stopped synscan did not exit"
  wait "$pid" || rc=$?
  cat "$E2E_WORK/stopped.err" >&2
  ((rc == 0)) || fail "stopped synscan exited with $rc"
}

# compare.py REFERENCE RESULT PCAP RETRIES: results equal, each probe on the wire the expected number of times.
cat >"$E2E_WORK/compare.py" <<'EOF'
import collections, json, subprocess, sys
ref_path, got_path, pcap, retries = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def load(path):
    out, dup = {}, []
    for line in open(path):
        r = json.loads(line)
        key = (r["ip"], r["port"])
        if key in out: dup.append(key)
        out[key] = (r["state"], r["reason"])
    return out, dup
ref, ref_dup = load(ref_path)
got, got_dup = load(got_path)
errors = []
if ref_dup or got_dup: errors.append(f"duplicates: reference {ref_dup[:5]}, stopped+resumed {got_dup[:5]}")
for key in sorted(set(ref) | set(got)):
    if ref.get(key) != got.get(key): errors.append(f"{key}: uninterrupted {ref.get(key)}, stopped+resumed {got.get(key)}")
text = subprocess.run(["tcpdump", "-nn", "-r", pcap], capture_output=True, text=True, check=True).stdout
wire = collections.Counter()
for line in text.splitlines():
    dst = line.split(" > ")[1].split(":")[0]
    ip, port = dst.rsplit(".", 1)
    wire[(ip, int(port))] += 1
for key, (state, reason) in ref.items():
    want = 1 if reason != "no-response" else 1 + retries  # answered probes are not sent again
    if wire[key] != want: errors.append(f"{key} ({reason}) on the wire {wire[key]} times, expected {want}")
for key in wire:
    if key not in ref: errors.append(f"{key} on the wire but not a probe of the scan")
print(f"{len(ref)} probes, {sum(wire.values())} SYNs on the wire, {len(errors)} errors")
for e in errors[:20]: print("  " + e)
sys.exit(1 if errors else 0)
EOF

run_case() {
  local name=$1 retries=$2
  shift 2
  local dir=$E2E_WORK/$name
  mkdir -p "$dir"
  chmod 777 "$dir"
  log "($name) uninterrupted reference scan"
  scan "${targets[@]}" "${common[@]}" --retries "$retries" --rate 20000 -o "$dir/reference.ndjson" \
    2>/dev/null || fail "($name) reference scan exited with $?"

  capture_start "$dir/wire.pcap"
  if [[ $name == max-runtime ]]; then
    scan "${targets[@]}" "${common[@]}" --retries "$retries" "$@" -o "$dir/result.ndjson" \
      --resume-file "$dir/scan.resume" 2>"$dir/stopped.err" || fail "($name) stopped run exited with $?"
    cat "$dir/stopped.err" >&2
  else
    scan_interrupted "${targets[@]}" "${common[@]}" --retries "$retries" "$@" -o "$dir/result.ndjson" \
      --resume-file "$dir/scan.resume"
  fi
  [[ -s $dir/scan.resume ]] || fail "($name) no resume file written"
  jq -e '.next_j | length > 0' "$dir/scan.resume" >/dev/null || fail "($name) resume file lacks positions"
  log "($name) stopped at positions $(jq -c .next_j "$dir/scan.resume"); $(
    wc -l <"$dir/result.ndjson") results so far"

  # The resume file round-trips: its options echo the same as the stopped run's own --echo-config.
  "$SYNSCAN_BIN" --resume "$dir/scan.resume" --echo-config >"$dir/resumed.conf" || fail "($name) echo of resume"
  "$SYNSCAN_BIN" "${targets[@]}" "${common[@]}" --retries "$retries" "$@" -o "$dir/result.ndjson" \
    --resume-file "$dir/scan.resume" --echo-config >"$dir/original.conf"
  diff "$dir/original.conf" "$dir/resumed.conf" >&2 || fail "($name) resume file options differ from the run's"

  if [[ $name == max-runtime ]]; then
    scan --resume "$dir/scan.resume" --max-runtime 600 || fail "($name) resumed run exited with $?"
  else
    scan --resume "$dir/scan.resume" || fail "($name) resumed run exited with $?"
  fi
  capture_stop
  [[ ! -e $dir/scan.resume ]] || fail "($name) the spent resume file was left behind (running it again repeats probes)"
  python3 "$E2E_WORK/compare.py" "$dir/reference.ndjson" "$dir/result.ndjson" "$dir/wire.pcap" "$retries" >&2 ||
    fail "($name) stopped + resumed differs from one uninterrupted scan"
}

# 2304 probes at 600 pps: sending takes ~3.8 s; a stop may also come during the final wait.
STOP_SIGNAL=INT STOP_MIN=1.0 STOP_MAX=4.5 run_case threads 0 --send-threads 2 --rate 600
# 2304 + 768 probes at 900 pps with a 1 s gap: pass 1 runs from ~3.6 s to ~4.5 s.
STOP_SIGNAL=TERM STOP_MIN=1.0 STOP_MAX=5.0 run_case retries 1 --rate 900
run_case max-runtime 0 --rate 800 --max-runtime 1.5
grep -q 'resume file written' "$E2E_WORK/max-runtime/stopped.err" || fail "--max-runtime did not say where it wrote"

log "PASS"
