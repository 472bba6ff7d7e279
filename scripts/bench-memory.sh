#!/usr/bin/env bash
# Memory benchmark (issue 13): the maximum resident memory of synscan scanning the lab's 198.19.0.0/16 x 0-65535
# (4,294,967,296 probes) at full rate for SECONDS_RUN seconds (--max-runtime: it stops itself and writes a resume
# file), then of shard 1/64 of the same scan, and the plan of 10.0.0.0/8 x 0-65535 (--count and --echo-config
# under `unshare -n`: planning only, nothing can be sent). With BASELINE_BIN set, every case runs with both
# binaries side by side (e.g. a build of main, whose answered set was one bit per probe of the whole space).
# Usage: scripts/bench-memory.sh          (needs root: the lab is network namespaces)
#   SYNSCAN_BIN    binary measured (default <repo>/build/cli/synscan)
#   BASELINE_BIN   a second binary to measure the same way (optional)
#   SECONDS_RUN    seconds each lab scan sends (default 8)
#   RATE           --rate (default 1000000: above what the lab takes, so the scan runs at the machine's maximum)
# Prints one line per case and binary: max RSS in MiB (getrusage of the child), and the summary's state line.
# Safety: scans only inside the lab's namespaces, at 198.19.0.0/16 (RFC 2544 benchmarking range); 10.0.0.0/8 is
# only planned, in a namespace without interfaces.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${SYNSCAN_BIN:-$repo_root/build/cli/synscan}
baseline=${BASELINE_BIN:-}
seconds=${SECONDS_RUN:-8}
rate=${RATE:-1000000}
lab_sh=$repo_root/scripts/lab.sh
[[ -x $bin ]] || { echo "bench-memory: $bin not built (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/synscan-mem.XXXXXX)
chmod 777 "$work"
lab=
cleanup() { [[ -z $lab ]] || "$lab_sh" down "$lab" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs "$@" (its stdout and stderr as the caller redirects them) and writes "MAX_RSS_MIB EXIT" to $work/rss: the
# largest max RSS of its descendants (the scan is the largest).
max_rss() {
  python3 - "$work/rss" "$@" <<'PY'
import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f} {rc}\n")
PY
}

lab=$(printf 'sslab-mem-%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$lab_sh" up "$lab" >/dev/null
bins=("$bin")
[[ -z $baseline ]] || bins+=("$baseline")
for b in "${bins[@]}"; do
  for shard in none 1/64; do
    args=(198.19.0.0/16 -p 0-65535 --rate "$rate" --seed 13 --max-runtime "$seconds" --wait 1 --no-status
      -o "$work/out.txt" --resume-file "$work/scan.resume" --metadata "$work/meta.json")
    [[ $shard == none ]] || args+=(--shard "$shard")
    max_rss timeout -k 5 $((seconds + 120)) "$lab_sh" exec "$lab" "$b" "${args[@]}" 2>"$work/err.txt"
    read -r mib rc <"$work/rss"
    sent=$(jq '.probes.sent' "$work/meta.json" 2>/dev/null || echo "?")
    state=$(grep -o 'state of the probes in flight: [0-9]* bytes' "$work/err.txt" || true)
    printf 'bench-memory: %-40s shard %-5s max RSS %7s MiB (exit %s), %s probes sent in %s s; %s\n' "$b" \
      "$shard" "$mib" "$rc" "$sent" "$seconds" "${state:-no window line}"
    rm -f "$work/scan.resume" "$work/meta.json"
  done
  # 10.0.0.0/8 x 0-65535: accepted and planned (the window does not depend on the space), never sent.
  max_rss unshare -n "$b" 10.0.0.0/8 -p 0-65535 --count 2>"$work/err.txt" >"$work/count.txt"
  read -r mib rc <"$work/rss"
  printf 'bench-memory: %-40s 10.0.0.0/8 x 0-65535 --count: %s probes, max RSS %s MiB (exit %s) %s\n' "$b" \
    "$(cat "$work/count.txt")" "$mib" "$rc" "$(head -c 200 "$work/err.txt")"
  max_rss unshare -n "$b" 10.0.0.0/8 -p 0-65535 --rate 100000 --echo-config 2>"$work/err.txt" >/dev/null
  read -r mib rc <"$work/rss"
  printf 'bench-memory: %-40s 10.0.0.0/8 x 0-65535 planned at 100000 pps: exit %s %s\n' "$b" "$rc" \
    "$(head -c 300 "$work/err.txt")"
done
