#!/usr/bin/env bash
# Target input through the real binary. Without a lab (every run --dry-run, sandboxed): C13's dry run over
# 0.0.0.0/0 streams at once; --count prints only the number; -iL - reads stdin (CRLF, comments, no final newline);
# the large-scan guard and an exclusion that removes everything are one-line errors with exit 2; the default
# exclusions (RFC 6890's not-forwardable blocks and multicast) name the block that took the targets; IPv6 targets
# (a mixed hitlist, a /64 refused, -4 with an IPv6 literal).
# In the lab: --exclude keeps .25 off the wire and out of the results (C10); a hostname target (from the scanner
# namespace's own /etc/hosts, /etc/netns/NS/hosts) is resolved to every address it has and scanned; a name with
# A and AAAA records is resolved to both, or to one family with -4/-6 (dry runs).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# C13: the first 200,000 probes of a 1.86e10-probe dry run arrive at once (the run streams, nothing is walked
# first); `head` closing the pipe ends it.
start=$(date +%s%N)
# (Its exit status is checked separately below.)
lines=$({ sandboxed timeout -k 5 30 "$SYNSCAN_BIN" --dry-run 0.0.0.0/0 -p 80-84 --seed 13 2>/dev/null || true; } |
  head -n 200000 | awk '$2 >= 80 && $2 <= 84 && $1 !~ /^(0|127|22[4-9]|2[3-5][0-9])\./ &&
    $1 !~ /^(169\.254|192\.0\.2|198\.51\.100|203\.0\.113)\./ && ($1 !~ /^192\.0\.0\./ || $1 ~ /^192\.0\.0\.(9|10)$/)' |
  sort -u | wc -l)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
((lines == 200000)) || fail "C13 dry run: $lines distinct valid probes in its first 200000 lines"
((elapsed_ms < 20000)) || fail "C13 dry run: did not stop when its reader went away (${elapsed_ms} ms)"
log "ok: C13 dry run streamed 200000 distinct probes in ${elapsed_ms} ms"

# A reader that stops early (`| head`) ends the dry run quietly: exit 0, nothing on stderr.
set +o pipefail
sandboxed timeout -k 5 30 "$SYNSCAN_BIN" --dry-run 0.0.0.0/0 -p 80-84 2>"$E2E_WORK/err" | head -n 3 >/dev/null
rc=${PIPESTATUS[0]}
set -o pipefail
((rc == 0)) || fail "dry run into '| head' exited $rc: $(cat "$E2E_WORK/err")"
[[ ! -s $E2E_WORK/err ]] || fail "dry run into '| head' wrote to stderr: $(cat "$E2E_WORK/err")"
log "ok: a dry run into '| head' ends quietly with exit 0"

count=$(sandboxed "$SYNSCAN_BIN" --dry-run --count 0.0.0.0/0 -p 80-84 2>"$E2E_WORK/err")
[[ $count == 18622376970 ]] || fail "C13 --count printed '$count', want 18622376970"
[[ ! -s $E2E_WORK/err ]] || fail "--count wrote to stderr: $(cat "$E2E_WORK/err")"
log "ok: --count 0.0.0.0/0 x 80-84 = $count"

got=$(printf '# list\r\n192.0.2.1 192.0.2.2\r\n\r\n192.0.2.8/30 # four\r\n192.0.2.2' |
  sandboxed "$SYNSCAN_BIN" --dry-run --no-default-excludes -iL - -p 80 --exclude 192.0.2.9 | sort -V | tr '\n' ,)
[[ $got == "192.0.2.1 80,192.0.2.2 80,192.0.2.8 80,192.0.2.10 80,192.0.2.11 80," ]] ||
  fail "-iL - gave '$got'"
log "ok: -iL - with CRLF, comments, overlap, --exclude"

expect_usage_error() {
  local pattern=$1 rc=0
  shift
  sandboxed timeout -k 5 20 "$SYNSCAN_BIN" "$@" >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
  ((rc == 2)) || fail "synscan $* exited $rc, want 2: $(cat "$E2E_WORK/err")"
  [[ $(wc -l <"$E2E_WORK/err") == 1 && ! -s $E2E_WORK/out ]] || fail "synscan $*: want one stderr line, no stdout"
  grep -qE -- "$pattern" "$E2E_WORK/err" || fail "synscan $*: '$(cat "$E2E_WORK/err")' does not match /$pattern/"
  log "ok: synscan $* -> $(cat "$E2E_WORK/err")"
}
# No --dry-run here, but nothing is sent: the guard stops the run before any socket exists.
expect_usage_error 'allow-large' 0.0.0.0/0 -p 80
expect_usage_error 'remove every target' 192.0.2.0/24 -p 80 --exclude 192.0.2.0/23 --dry-run
expect_usage_error 'default exclusions' 127.0.0.1 -p 80 --dry-run
# The registry's not-forwardable blocks (RFC 6890), the documentation blocks among them, named by the error.
expect_usage_error "default exclusions \\(192\\.0\\.2\\.0/24 Documentation \\(TEST-NET-1\\), 203\\.0\\.113\\.0/24 Documentation" \
  192.0.2.0/24 203.0.113.7 -p 80 --dry-run
expect_usage_error 'default exclusions \(169\.254\.0\.0/16 Link Local' 169.254.1.1 -p 80 --count
[[ $(sandboxed "$SYNSCAN_BIN" 192.0.2.0/24 198.51.100.0/24 -p 80 --count --no-default-excludes) == 512 ]] ||
  fail "--no-default-excludes does not let the documentation blocks through"
[[ $(sandboxed "$SYNSCAN_BIN" 192.0.0.0/24 -p 80 --count) == 2 ]] ||
  fail "192.0.0.0/24: only the forwardable 192.0.0.9 and 192.0.0.10 should be left"
# A name that does not resolve: exit 2 when the resolver says it does not exist, 1 when no DNS server answers (as
# in this sandbox); either way one line naming it.
rc=0
sandboxed timeout -k 5 30 "$SYNSCAN_BIN" nosuch.invalid -p 80 --dry-run >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
if ! ((rc == 1 || rc == 2)) || [[ $(wc -l <"$E2E_WORK/err") != 1 ]] || ! grep -q "'nosuch.invalid'" "$E2E_WORK/err"; then
  fail "unresolvable name: exit $rc, stderr '$(cat "$E2E_WORK/err")'"
fi
log "ok: exit $rc: $(cat "$E2E_WORK/err")"
# IPv6 targets (documentation addresses, dry runs and counts only, in a sandbox): a mixed hitlist on stdin is
# counted exactly and printed in RFC 5952 text; a prefix too large to scan, a literal of the other family under
# -4/-6 and a bracketed address are one line each with exit 2.
count=$(printf '2001:DB8::1\n198.51.100.1 2001:db8:0:0:1::/126\r\n# c\n2001:db8::1\n' |
  sandboxed "$SYNSCAN_BIN" --count -iL - -p 80,443 --no-default-excludes 2>"$E2E_WORK/err")
[[ $count == 12 ]] || fail "mixed hitlist --count printed '$count', want 12: $(cat "$E2E_WORK/err")"
got=$(sandboxed "$SYNSCAN_BIN" --dry-run 2001:DB8:0:0:1:0:0:0 198.51.100.7 -p 80 --no-default-excludes | sort | tr '\n' ,)
[[ $got == "198.51.100.7 80,2001:db8:0:0:1:: 80," ]] || fail "mixed dry run printed '$got'"
log "ok: a mixed hitlist counted (12) and printed in RFC 5952 text"
expect_usage_error '^synscan: 2001:db8::/64 is 18446744073709551616 addresses: too many to scan \(at most 2\^48 probes\)' \
  2001:db8::/64 -p 80 --count --no-default-excludes
expect_usage_error 'too many to scan' ::/0 -p 80 --dry-run
expect_usage_error "bad target '2001:db8::1' in targets \(an IPv6 target, but -4 scans IPv4 only\)" \
  -4 192.0.2.1 2001:db8::1 -p 80 --dry-run
expect_usage_error 'without brackets' '[2001:db8::1]' -p 80 --dry-run
expect_usage_error 'default exclusions.*ff00::/8' ff02::1 -p 80 --dry-run
# N06 with IPv6, the usual hitlist: 1,000,000 distinct documentation addresses x 2 ports. --count is exact, the
# dry run writes every probe once, and the peak memory of the count stays in tens of MiB (47 MB measured; an
# IPv6 line costs 40 bytes in the target set). Python's getrusage gives the child's maximum RSS.
python3 - "$E2E_WORK/hitlist6.txt" <<'PY'
import random, sys
random.seed(6)
with open(sys.argv[1], "w") as f:
    for v in random.sample(range(1 << 32), 1000000):
        f.write("2001:db8::%x:%x\n" % (v >> 16, v & 0xFFFF))
PY
read -r count rss_kib < <(python3 - "$SYNSCAN_BIN" "$E2E_WORK/hitlist6.txt" <<'PY'
import os, resource, subprocess, sys
cmd = [sys.argv[1], "-iL", sys.argv[2], "-p", "80,443", "--count", "--no-default-excludes"]
if os.geteuid() == 0 and subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0:
    cmd = ["unshare", "--net", "--"] + cmd  # as `sandboxed`: unshare execs synscan in the same process
out = subprocess.run(cmd, capture_output=True, text=True)
print(out.stdout.strip() or "error:" + out.stderr.strip().replace(" ", "_"),
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
[[ $count == 2000000 ]] || fail "N06: --count of 1,000,000 IPv6 lines x 2 ports printed '$count'"
((rss_kib < 128 * 1024)) || fail "N06: --count of 1,000,000 IPv6 lines peaked at $rss_kib KiB (bound: 128 MiB)"
lines=$(sandboxed "$SYNSCAN_BIN" --dry-run -iL "$E2E_WORK/hitlist6.txt" -p 80,443 --no-default-excludes --seed 6 |
  sort -u | wc -l)
[[ $lines == 2000000 ]] || fail "N06: the dry run wrote $lines distinct probes, want 2000000"
log "ok: N06 1,000,000 IPv6 lines x 2 ports: --count 2000000 at $((rss_kib / 1024)) MiB peak, 2000000 distinct dry-run probes"
printf '{"ip":"198.19.0.1","port":80,"state":"open"}\nnot json\n' >"$E2E_WORK/bad.ndjson"
expect_usage_error 'bad.ndjson line 2' merge "$E2E_WORK/bad.ndjson"

skip_if_no_netns
lab_up

# C10 on the wire: 198.19.0.0/24 minus .25, port 80, every state shown: 255 results, none for .25.
scan 198.19.0.0/24 -p 80 --exclude 198.19.0.25 --rate 20000 --wait 1 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/c10.ndjson" || fail "C10 scan exited $?"
[[ $(wc -l <"$E2E_WORK/c10.ndjson") == 255 ]] || fail "C10: $(wc -l <"$E2E_WORK/c10.ndjson") results, want 255"
if grep -q '"198.19.0.25"' "$E2E_WORK/c10.ndjson"; then fail "C10: 198.19.0.25 was reported"; fi
log "ok: C10 --exclude 198.19.0.25: 255 results, .25 never reported"

# A hostname with two A records, resolved in the scanner namespace (ip netns exec binds /etc/netns/NS/hosts).
hosts_dir=/etc/netns/$LAB_NAME-scan
trap 'rc=$?; rm -rf -- "$hosts_dir"; rmdir /etc/netns 2>/dev/null; (exit $rc); _e2e_cleanup' EXIT
mkdir -p "$hosts_dir"
printf '127.0.0.1 localhost\n198.19.0.7 web.lab.test\n198.19.0.8 web.lab.test\n' >"$hosts_dir/hosts"
scan web.lab.test -p 80,81 --wait 1 --show open,closed --format ndjson -o "$E2E_WORK/names.ndjson" \
  2>"$E2E_WORK/names.err" || fail "hostname scan exited $?: $(cat "$E2E_WORK/names.err")"
got=$(jq -r '"\(.ip) \(.port) \(.state)"' "$E2E_WORK/names.ndjson" | sort -V | tr '\n' ,)
[[ $got == "198.19.0.7 80 open,198.19.0.7 81 closed,198.19.0.8 80 open,198.19.0.8 81 closed," ]] ||
  fail "hostname scan reported '$got'"
grep -q 'web.lab.test resolved to 198.19.0.7, 198.19.0.8' "$E2E_WORK/names.err" ||
  fail "no resolution notice: $(cat "$E2E_WORK/names.err")"
log "ok: web.lab.test -> both addresses scanned"

# A name with A and AAAA records (the namespace's hosts file): both families by default, one with -4 or -6. Dry
# runs only: nothing is sent to 2001:2::/48 here.
printf '198.19.0.9 dual.lab.test\n2001:2::9 dual.lab.test\n' >>"$hosts_dir/hosts"
for flags in "" -4 -6; do
  # shellcheck disable=SC2086 # $flags is empty or one flag
  got=$(scan dual.lab.test -p 80 --dry-run $flags 2>"$E2E_WORK/dual.err" | sort | tr '\n' ,) ||
    fail "dual.lab.test $flags: exit $?: $(cat "$E2E_WORK/dual.err")"
  case $flags in
    "") want="198.19.0.9 80,2001:2::9 80," ;;
    -4) want="198.19.0.9 80," ;;
    -6) want="2001:2::9 80," ;;
  esac
  [[ $got == "$want" ]] || fail "dual.lab.test $flags: dry run printed '$got', want '$want'"
done
log "ok: dual.lab.test -> A and AAAA by default, one family with -4 / -6"

log "PASS"
