#!/usr/bin/env bash
# The demo: installs dependencies, builds synscan, brings up a lab (scripts/lab.sh) and scans its IPv4 and IPv6
# prefixes together, twice:
#   1. synscan 198.19.0.0/24 2001:2:0:1::/120 -p 20-25,80,113,443,8080 --rate 100000 --wait 2   -> open ports
#   2. the same with --show open,closed,filtered --format ndjson                                 -> by state
#   3. UDP and ICMP echo of a few addresses of the lab's UDP servers (dnsmasq, chrony, snmpd):
#      synscan 198.19.0.1-198.19.0.4 198.19.0.200 2001:2:0:1::1 -sU -p 53,123,161,7777-7779 --ping --show all
# Extra arguments are passed to both synscan runs. The scanner finds interface, source address and next hop
# itself. The lab is always taken down on exit. Needs root (network namespaces).
#   BUILD_DIR    build directory (default: <repo>/build)
#   SYNSCAN_BIN  use this synscan binary instead of building one
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
lab=$repo_root/scripts/lab.sh
targets=(198.19.0.0/24 2001:2:0:1::/120)  # one scan of both families: one probe space, one permutation
ports=20-25,80,113,443,8080

say() { printf '\n== %s\n' "$*" >&2; }

say "installing dependencies"
"$repo_root/scripts/install-deps.sh"
if [[ -n ${SYNSCAN_BIN:-} ]]; then
  synscan=$SYNSCAN_BIN
  say "using SYNSCAN_BIN=$synscan (not building)"
else
  say "building synscan"
  BUILD_DIR=$build_dir "$repo_root/scripts/build.sh" --target synscan >&2
  synscan=$build_dir/cli/synscan
fi
if [[ ! -x $synscan ]]; then
  synscan=$(find "$build_dir" -type f -name synscan -perm -u+x -print -quit)
fi
[[ -n $synscan && -x $synscan ]] || { echo "demo: synscan binary not found under $build_dir" >&2; exit 1; }

lab_name=$(printf 'sslab-demo-%s-%04x' "$$" "$RANDOM")
work=$(mktemp -d "${TMPDIR:-/tmp}/synscan-demo.XXXXXX")
cleanup() {
  trap - EXIT INT TERM
  "$lab" down "$lab_name" || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "bringing up lab $lab_name"
SYNSCAN_LAB_OWNER_PID=$$ "$lab" up --udp "$lab_name" >/dev/null
truth=$("$lab" truth "$lab_name")
echo "ground truth: $truth" >&2
jq -r '"  open ports \(.open_ports | join(",")); filtered (dropped): ports \(.drop_ports | join(",")) and " +
  "every address in \(.drop_blocks | join(",")); filtered (ICMP reject): ports \(.reject_ports | join(","));" +
  " everything else in \(.block): closed"' "$truth" >&2

say "run 1: synscan ${targets[*]} -p $ports --rate 100000 --wait 2 $*"
"$lab" exec "$lab_name" "$synscan" "${targets[@]}" -p "$ports" --rate 100000 --wait 2 "$@" | tee "$work/open.txt"
echo "-- $(grep -c '^open ' "$work/open.txt" || true) open ports reported" \
  "(the lab has 4 open ports on each of 256 IPv4 and 256 IPv6 addresses: 2048)" >&2

say "run 2: synscan ${targets[*]} -p $ports --rate 100000 --wait 2 --show open,closed,filtered --format ndjson $*"
"$lab" exec "$lab_name" "$synscan" "${targets[@]}" -p "$ports" --rate 100000 --wait 2 \
  --show open,closed,filtered --format ndjson "$@" >"$work/all.ndjson"
echo "results by state and reason:"
jq -r '"\(.state) \(.reason)"' "$work/all.ndjson" | sort | uniq -c | sort -rn
if (($# == 0)); then
  echo "against the lab's ground truth:"
  python3 "$repo_root/tests/e2e/check_truth.py" --truth "$truth" --targets "${targets[@]}" --ports "$ports" --all \
    "$work/all.ndjson" || true
fi

udp_targets=(198.19.0.1-198.19.0.4 198.19.0.200 2001:2:0:1::1)
say "run 3: synscan ${udp_targets[*]} -sU -p 53,123,161,7777-7779 --ping --show all $*"
echo "(53 dnsmasq, 123 chrony, 161 snmpd: open with what they answered; 7777 closed; 7778 dropped: open|filtered;" \
  "7779 admin-prohibited: filtered; 198.19.0.200 does not answer ping: down)" >&2
"$lab" exec "$lab_name" "$synscan" "${udp_targets[@]}" -sU -p 53,123,161,7777-7779 --ping --show all --wait 2 "$@" |
  sort -k3,3n -k4,4
