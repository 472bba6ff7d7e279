#!/usr/bin/env bash
# tests/e2e/check_udp_truth.py on made-up results (no lab, no root): the record contract's cases pass and each kind
# of mismatch fails: a missing probe, a false open, a wrong state, a tolerated one (--exact), a wrong service name
# or answer, an echo record with a port, a bad reason, a probe never sent, a duplicate. The truth is a UDP lab's,
# written here as scripts/lab.sh writes it (the keys check_udp_truth.py reads).
set -euo pipefail
src=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
check=$src/tests/e2e/check_udp_truth.py
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
failures=0
bad() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

cat >"$work/truth.json" <<'EOF'
{"families": ["ipv4", "ipv6"], "block": "198.19.0.0/16", "open_ports": [22, 80], "drop_ports": [25],
 "reject_ports": [113], "drop_blocks": ["198.19.255.0/24"], "reject_icmp": {"type": 3, "code": 1},
 "ipv6": {"block": "2001:2:0:1::/64", "drop_blocks": ["2001:2:0:1::ff00/120"], "reject_icmp": {"type": 1, "code": 3}},
 "udp": {"open_ports": [53, 123, 161], "drop_ports": [7778], "reject_ports": [7779],
         "reject_icmp": {"ipv4": {"type": 3, "code": 13}, "ipv6": {"type": 1, "code": 1}},
         "port_unreach_icmp": {"ipv4": {"type": 3, "code": 3}, "ipv6": {"type": 1, "code": 4}},
         "services": {"53": {"name": "domain", "version_bind": "dnsmasq-2.90"}, "123": {"name": "ntp", "stratum": 8},
                      "161": {"name": "snmp", "sysdescr": "synscan lab snmpd"}}},
 "echo": {"dead_blocks": {"ipv4": ["198.19.0.192/26", "198.19.255.0/24"], "ipv6": ["2001:2:0:1::c0/122"]}}}
EOF

# The exact result of: 198.19.0.5, 198.19.0.200 (no echo), 198.19.255.1 (drop block), 2001:2:0:1::5 x UDP
# 53,7777,7778,7779 + echo + TCP 80.
python3 - "$work/good.ndjson" <<'EOF'
import json, sys
ts = "2026-12-07T20:00:00.000Z"
recs = []
def udp(ip, port, state, **kw):
    reason = {"open": "udp-response", "closed": "port-unreach", "filtered": "icmp-unreach",
              "open|filtered": "no-response"}[state]
    recs.append(dict(ip=ip, port=port, proto="udp", state=state, reason=reason, ttl=64, ts=ts, **kw))
for ip, v6 in (("198.19.0.5", False), ("198.19.0.200", False), ("2001:2:0:1::5", True)):
    udp(ip, 53, "open", service="domain", answer={"rcode": 0, "version_bind": "dnsmasq-2.90"})
    udp(ip, 7777, "closed", icmp_code=4 if v6 else 3)
    udp(ip, 7778, "open|filtered")
    udp(ip, 7779, "filtered", icmp_code=1 if v6 else 13)
    recs.append(dict(ip=ip, port=80, proto="tcp", state="open", reason="syn-ack", ttl=64, ts=ts))
for port in (53, 7777, 7778, 7779):
    udp("198.19.255.1", port, "open|filtered")
recs.append(dict(ip="198.19.255.1", port=80, proto="tcp", state="filtered", reason="no-response", ttl=None, ts=ts))
for ip, up in (("198.19.0.5", True), ("198.19.0.200", False), ("198.19.255.1", False), ("2001:2:0:1::5", True)):
    recs.append(dict(ip=ip, proto="icmp", state="up" if up else "down",
                     reason="echo-reply" if up else "no-response", ttl=64 if up else None, ts=ts))
with open(sys.argv[1], "w") as f:
    f.write("".join(json.dumps(r) + "\n" for r in recs))
EOF

udp_ports="53,7777-7779"
args=(--truth "$work/truth.json" --targets 198.19.0.5 198.19.0.200 198.19.255.1 2001:2:0:1::5 --udp-ports "$udp_ports"
  --tcp-ports 80 --echo)
# expect WANT_RC NAME [CHECKER ARGS...] < RESULT: runs the checker on stdin, compares its exit status.
expect() {
  local want=$1 name=$2 rc=0
  shift 2
  python3 "$check" "${args[@]}" "$@" - >"$work/out" 2>&1 || rc=$?
  ((rc == want)) || bad "$name: exit $rc, want $want: $(tail -n 5 "$work/out")"
}
# mutate SED_EXPR: the good result with one edit, in $work/mutated (a test failure when the edit changed nothing).
mutate() {
  sed "$1" "$work/good.ndjson" >"$work/mutated"
  if cmp -s "$work/good.ndjson" "$work/mutated"; then bad "the edit '$1' changed nothing"; fi
}

expect 0 "exact result" --service require --answers require <"$work/good.ndjson"
grep -q 'udp open: expected 3, exact 3' "$work/out" || bad "exact result: summary $(cat "$work/out")"
mutate '0,/"port": 7778/{/"port": 7778/d}'
expect 1 "missing probe" <"$work/mutated"
mutate '0,/"port": 7777, "proto": "udp", "state": "closed", "reason": "port-unreach"/s//"port": 7777, "proto": "udp", "state": "open", "reason": "udp-response"/'
expect 1 "false open" <"$work/mutated"
mutate '0,/"port": 7777, "proto": "udp", "state": "closed", "reason": "port-unreach", "ttl": 64, "ts": "\([^"]*\)", "icmp_code": 3/s//"port": 7777, "proto": "udp", "state": "open|filtered", "reason": "no-response", "ttl": 64, "ts": "\1"/'
expect 1 "closed reported silent" <"$work/mutated"
mutate '0,/"port": 7777, "proto": "udp", "state": "closed", "reason": "port-unreach", "ttl": 64, "ts": "\([^"]*\)", "icmp_code": 3/s//"port": 7777, "proto": "udp", "state": "open|filtered", "reason": "no-response", "ttl": 64, "ts": "\1"/'
expect 0 "closed reported silent, closed tolerated" --exact open,filtered,'open|filtered',up,down <"$work/mutated"
grep -q 'udp closed: expected 3, exact 2, tolerated 1' "$work/out" || bad "tolerated: summary $(cat "$work/out")"
mutate 's/"ip": "198.19.0.200", "proto": "icmp", "state": "down", "reason": "no-response"/"ip": "198.19.0.200", "proto": "icmp", "state": "up", "reason": "echo-reply"/'
expect 1 "false up, even with down tolerated" --exact open,closed,filtered,'open|filtered',up <"$work/mutated"
mutate '0,/"service": "domain"/s//"service": "dns"/'
expect 1 "wrong service" <"$work/mutated"
mutate 's/"service": "domain"/"service": {"name": "domain", "product": "dnsmasq"}/'
expect 0 "service as an object" --service require <"$work/mutated"
mutate 's/, "service": "domain"//'
expect 1 "service required" --service require <"$work/mutated"
mutate '0,/dnsmasq-2.90/s//dnsmasq-2.89/'
expect 1 "wrong answer" <"$work/mutated"
mutate '0,/"icmp_code": 13/s//"icmp_code": 10/'
expect 1 "wrong icmp code" <"$work/mutated"
mutate '0,/"ip": "198.19.0.5", "proto": "icmp"/s//"ip": "198.19.0.5", "port": 0, "proto": "icmp"/'
expect 1 "echo record with a port" <"$work/mutated"
mutate '0,/"reason": "port-unreach"/s//"reason": "rst"/'
expect 1 "wrong reason" <"$work/mutated"
expect 1 "never a probe" < <(cat "$work/good.ndjson"; echo '{"ip": "198.19.0.6", "port": 53, "proto": "udp", "state": "open", "reason": "udp-response", "ttl": 64, "ts": "2026-12-07T20:00:00Z"}')
expect 1 "duplicate" < <(cat "$work/good.ndjson"; head -n 1 "$work/good.ndjson")
expect 1 "not shown" --show open,up < <(cat "$work/good.ndjson")
expect 2 "bad --exact" --exact opne </dev/null
expect 2 "a TCP lab's truth" --truth <(echo '{"block": "198.19.0.0/16", "open_ports": []}') </dev/null

if ((failures > 0)); then
  echo "test_check_udp_truth: $failures failure(s)" >&2
  exit 1
fi
echo "test_check_udp_truth: ok"
