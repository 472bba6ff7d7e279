#!/usr/bin/env bash
# Soak benchmark: synscan scanning the lab at full rate, pass after pass, for MINUTES minutes. Each pass is one
# synscan process scanning 198.19.0.0/16 x enough ports to last PASS_SECONDS at RATE. While it runs, its RSS
# (VmRSS) and open file descriptors (/proc/PID/fd) are sampled at least every second. A pass passes when
#   - every sample after the first minute (or after half the pass, if shorter) is within 5% of the RSS then;
#   - the descriptor count never changes after start-up (2 s);
#   - the results are exact: every open port of the truth reported once and nothing else (check_truth.py), and
#     the closed and filtered counts in synscan's summary equal the truth's.
# Usage: scripts/soak.sh MINUTES        (needs root: the lab is network namespaces)
#   RATE           probes per second (default 100000)
#   PASS_SECONDS   length of one pass (default 150; the last pass may be shorter, but at least 30)
#   SYNSCAN_BIN    binary to soak (default <repo>/build/cli/synscan)
#   SOAK_DIR       where samples, outputs and logs go (default: a new directory under /tmp, kept)
# Bounded: each pass is killed after twice its planned time plus 60 s. Exit 0 when every pass passed.
# Safety: the scan runs only inside the lab's namespaces, at 198.19.0.0/16 (RFC 2544 benchmarking range).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
minutes=${1:-}
[[ $minutes =~ ^[0-9]+(\.[0-9]+)?$ ]] || {
  echo "usage: scripts/soak.sh MINUTES   (RATE, PASS_SECONDS, SYNSCAN_BIN, SOAK_DIR in the environment)" >&2
  exit 2
}
rate=${RATE:-100000}
pass_seconds=${PASS_SECONDS:-150}
bin=${SYNSCAN_BIN:-$repo_root/build/cli/synscan}
[[ -x $bin ]] || { echo "soak: $bin not built (scripts/build.sh)" >&2; exit 1; }
soak_dir=${SOAK_DIR:-$(mktemp -d /tmp/synscan-soak.XXXXXX)}
mkdir -p "$soak_dir"
chmod 755 "$soak_dir"
lab_sh=$repo_root/scripts/lab.sh
check_truth=$repo_root/tests/e2e/check_truth.py

log() { printf 'soak: %s\n' "$*" >&2; }

lab=
scan_pid=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  [[ -z $scan_pid ]] || kill "$scan_pid" 2>/dev/null || true
  [[ -z $lab ]] || "$lab_sh" down "$lab" || log "warning: lab down $lab failed"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab=$(printf 'sslab-soak-%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$lab_sh" up "$lab" >/dev/null
truth=$("$lab_sh" truth "$lab")
log "lab $lab up; rate $rate pps; passes of ${pass_seconds} s for $minutes min; logs in $soak_dir"

total_s=$(python3 -c "print(int(round(float('$minutes') * 60)))")
status=0
pass=0
elapsed=0
while ((elapsed < total_s)); do
  pass=$((pass + 1))
  secs=$((total_s - elapsed < pass_seconds ? total_s - elapsed : pass_seconds))
  ((secs >= 30)) || secs=30
  # 65536 addresses x N ports ~ rate x secs probes. The truth's special ports first, then closed ones.
  nports=$(((rate * secs + 65535) / 65536))
  ((nports >= 7)) || nports=7
  ports="22,25,80,113,443,8080,1000-$((1000 + nports - 7))"
  out=$soak_dir/pass$pass.ndjson
  samples=$soak_dir/pass$pass.samples
  log "pass $pass: 198.19.0.0/16 x $nports ports ($((65536 * nports)) probes, ~${secs} s)"
  "$lab_sh" exec "$lab" "$bin" 198.19.0.0/16 -p "$ports" --rate "$rate" --wait 3 --format ndjson -o "$out" \
    2>"$soak_dir/pass$pass.stderr" &
  scan_pid=$!
  : >"$samples"
  started=$SECONDS
  deadline=$((secs * 2 + 60))
  # At least one sample per second: seconds since start, VmRSS in kB, open descriptors.
  while kill -0 "$scan_pid" 2>/dev/null; do
    t=$((SECONDS - started))
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$scan_pid/status" 2>/dev/null || true)
    fds=$(find "/proc/$scan_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l || true)
    [[ -n $rss ]] && printf '%s %s %s\n' "$t" "$rss" "$fds" >>"$samples"
    if ((t >= deadline)); then
      log "pass $pass: still running after $deadline s; killing it"
      kill -KILL "$scan_pid" 2>/dev/null || true
    fi
    sleep 0.5  # plus the sampling itself: at least one sample a second on a busy machine
  done
  rc=0
  wait "$scan_pid" || rc=$?
  scan_pid=
  elapsed=$((elapsed + SECONDS - started))
  cat "$soak_dir/pass$pass.stderr" >&2
  pass_ok=1
  ((rc == 0)) || { log "pass $pass: synscan exited with $rc"; pass_ok=0; }

  # Memory and descriptors from the samples.
  baseline_t=$((secs / 2 < 60 ? secs / 2 : 60))
  if ! python3 - "$samples" "$baseline_t" >"$soak_dir/pass$pass.memory" <<'EOF'; then
import sys
rows = [tuple(int(x) for x in line.split()) for line in open(sys.argv[1]) if line.strip()]
base_t = int(sys.argv[2])
after = [r for r in rows if r[0] >= base_t]
if not after:
    print(f"no samples after {base_t} s"); sys.exit(1)
base = after[0][1]
lo, hi = min(r[1] for r in after), max(r[1] for r in after)
fds = sorted({r[2] for r in rows if r[0] >= 2})
ok = lo >= base * 0.95 and hi <= base * 1.05 and len(fds) == 1
print(f"RSS at {after[0][0]} s {base} kB, after it min {lo} max {hi} kB ({(hi - base) * 100 / base:+.2f}% / "
      f"{(lo - base) * 100 / base:+.2f}%), {len(after)} samples; descriptors after 2 s: {fds}; "
      f"{'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
EOF
    pass_ok=0
  fi
  log "pass $pass: $(cat "$soak_dir/pass$pass.memory")"

  # Results: open ports exact, closed and filtered counts as the truth's.
  if ! python3 "$check_truth" --truth "$truth" --targets 198.19.0.0/16 --ports "$ports" "$out" \
    >"$soak_dir/pass$pass.truth" 2>&1; then
    pass_ok=0
  fi
  tail -n 4 "$soak_dir/pass$pass.truth" >&2
  expected=$(sed -n 's/.*expected: open \([0-9]*\), closed \([0-9]*\), filtered \([0-9]*\).*/\1 \2 \3/p' \
    "$soak_dir/pass$pass.truth")
  got=$(sed -n 's/^synscan: \(results: \)\{0,1\}\([0-9]*\) open, \([0-9]*\) closed, \([0-9]*\) filtered.*/\2 \3 \4/p' \
    "$soak_dir/pass$pass.stderr")
  if [[ -z $expected || $expected != "$got" ]]; then
    log "pass $pass: summary counts (open closed filtered) '$got', truth '$expected'"
    pass_ok=0
  fi
  if ((pass_ok)); then log "pass $pass: PASS"; else log "pass $pass: FAIL"; status=1; fi
done

if ((status == 0)); then log "all $pass passes passed"; else log "SOAK FAILED (details in $soak_dir)"; fi
exit "$status"
