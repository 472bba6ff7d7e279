#!/usr/bin/env bash
# The UDP lab (scripts/lab.sh up --udp, scripts/lab_udp.sh) holds its truth, checked without synscan: from the
# scanner namespace, standard clients (dig, snmpget, ping) and tests/e2e/udp_probe.py ask every service in both
# families; the answers come from the probed address (connected sockets take nothing else); the closed, dropped and
# rejected ports and the no-echo blocks behave as truth.json says; a reference scan of them
# (udp_probe.py observe) passes tests/e2e/check_udp_truth.py exactly, and fails it once one record is falsified;
# the per-host ICMP error limit (impair hosticmp 1 6) lets each address send its burst of 6 port unreachables and
# no more, which the checker tolerates only when closed is not an exact state. Only the services' ports are bound.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
for tool in dig snmpget ping; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not installed (scripts/install-deps.sh)"
done
lab_up --udp

PROBE=$SYNSCAN_SOURCE_DIR/tests/e2e/udp_probe.py
CHECK_UDP=$SYNSCAN_SOURCE_DIR/tests/e2e/check_udp_truth.py
in_scan() { "$LAB_SH" exec "$LAB_NAME" "$@"; }
truth() { python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    doc = doc[key]
print(doc if not isinstance(doc, list) else " ".join(map(str, doc)))' "$LAB_TRUTH" "$@"; }

[[ $(truth families) == *ipv6* ]] || skip "the lab has no IPv6 here (kernel without IPv6?)"
version_bind=$(truth udp services 53 version_bind)
sysdescr=$(truth udp services 161 sysdescr)
stratum=$(truth udp services 123 stratum)

# Only the services listen: every other UDP port of the target is closed (the kernel's port unreachable). The
# SNMP relay's upstream socket, snmpd's [::1]:1161, takes nothing from outside.
bound=$("$LAB_SH" exec-target "$LAB_NAME" ss -Hlun | awk '{print $4}' | sort -u | paste -sd' ' -)
[[ $bound == "0.0.0.0:123 0.0.0.0:161 0.0.0.0:53 [::1]:1161 [::]:123 [::]:161 [::]:53" ]] ||
  fail "unexpected UDP sockets in the target namespace: $bound"

for addr in 198.19.0.5 198.19.77.200 2001:2:0:1::5 2001:2:0:1::abcd; do
  got=$(in_scan dig +short +time=2 +tries=2 "@$addr" version.bind chaos txt || true)
  [[ $got == "\"$version_bind\"" ]] || fail "dig @$addr version.bind: '$got', truth says $version_bind"
  target=$addr
  [[ $addr == *:* ]] && target="udp6:[$addr]"
  got=$(SNMP_PERSISTENT_DIR=$E2E_WORK MIBS='' MIBDIRS=/nonexistent in_scan snmpget -v2c -c public -t 2 -r 1 -Ovq "$target" 1.3.6.1.2.1.1.1.0 \
    2>"$E2E_WORK/snmpget.err" || true)
  [[ $got == "\"$sysdescr\"" ]] || fail "snmpget $addr sysDescr.0: '$got', truth says $sysdescr"
  for ask in "53 dns answer rcode=0 txt=$version_bind" "123 ntp answer mode=4 stratum=$stratum origin=ok" \
    "161 snmp answer sysdescr=$sysdescr" "7777 ntp refused" "9 dns refused"; do
    read -r port kind want <<<"$ask"
    got=$(in_scan python3 "$PROBE" ask "$addr" "$port" "$kind" || true)
    [[ $got == "$want" ]] || fail "$addr UDP $port ($kind): '$got', want '$want'"
  done
  want="unreachable EHOSTUNREACH"            # ICMP admin-prohibited (type 3 code 13)
  [[ $addr == *:* ]] && want="unreachable EACCES"   # ICMPv6 admin-prohibited (type 1 code 1)
  got=$(in_scan python3 "$PROBE" ask "$addr" 7779 ntp || true)
  [[ $got == "$want" ]] || fail "$addr UDP 7779: '$got', want '$want'"
  # TCP 53 (dnsmasq listens there too) stays closed, as in every lab.
  if in_scan timeout 3 bash -c "exec 3<>/dev/tcp/$addr/53" 2>/dev/null; then fail "TCP $addr:53 accepted"; fi
done
log "ok: dnsmasq, chrony, snmpd answer from the probed address in both families; 7777/9 closed, 7779 admin-prohibited"

# Echo, all pings at once (a dead address costs the whole wait).
declare -A pings=()
for addr in 198.19.0.5 198.19.0.191 2001:2:0:1::5 2001:2:0:1::bf 198.19.0.192 198.19.0.255 198.19.255.3 \
  2001:2:0:1::c0 2001:2:0:1::ff 2001:2:0:1::ff03; do
  in_scan ping -n -q -c 1 -W 2 "$addr" >/dev/null 2>&1 &
  pings[$addr]=$!
done
for addr in "${!pings[@]}"; do
  rc=0
  wait "${pings[$addr]}" || rc=$?
  case $addr in
    198.19.0.5 | 198.19.0.191 | 2001:2:0:1::5 | 2001:2:0:1::bf) ((rc == 0)) || fail "ping $addr: no answer, truth says up" ;;
    *) ((rc != 0)) || fail "ping $addr answered, truth says down" ;;
  esac
done
log "ok: echo up and down as the truth says"

# A reference scan of every case, checked against the truth: exact, and a falsified record is caught.
targets=(198.19.0.5 198.19.0.200 198.19.255.3 2001:2:0:1::5 2001:2:0:1::c5 2001:2:0:1::ff03)
ports=53,123,161,9,7777,7778,7779
in_scan python3 "$PROBE" observe "$ports" --echo "${targets[@]}" >"$E2E_WORK/observed.ndjson"
python3 "$CHECK_UDP" --truth "$LAB_TRUTH" --targets "${targets[@]}" --udp-ports "$ports" --echo --service require \
  --answers require "$E2E_WORK/observed.ndjson" >"$E2E_WORK/check.out" ||
  fail "the lab's answers do not match its truth: $(cat "$E2E_WORK/check.out")"
sed '0,/"port": 7777, "proto": "udp", "state": "closed", "reason": "port-unreach"/s//"port": 7777, "proto": "udp", "state": "open", "reason": "udp-response"/' \
  "$E2E_WORK/observed.ndjson" >"$E2E_WORK/falsified.ndjson"
cmp -s "$E2E_WORK/observed.ndjson" "$E2E_WORK/falsified.ndjson" && fail "could not falsify a record"
rc=0
python3 "$CHECK_UDP" --truth "$LAB_TRUTH" --targets "${targets[@]}" --udp-ports "$ports" --echo \
  "$E2E_WORK/falsified.ndjson" >"$E2E_WORK/check-false.out" || rc=$?
if ((rc != 1)) || ! grep -q 'FALSE POS' "$E2E_WORK/check-false.out"; then
  fail "check_udp_truth missed a false open (exit $rc): $(cat "$E2E_WORK/check-false.out")"
fi
log "ok: a reference scan matches the truth exactly; a falsified record fails the check"

# Per-host ICMP error limits: each address gets its own burst of 6, then 1/s.
counted=$(in_scan python3 "$PROBE" icmp-count 7777 20 198.19.0.10 198.19.0.11 2001:2:0:1::10 2001:2:0:1::11)
[[ $(awk '$2 == 20' <<<"$counted" | wc -l) == 4 ]] || fail "without a limit, 20 port unreachables each: $counted"
"$LAB_SH" impair "$LAB_NAME" hosticmp 1 6
counted=$(in_scan python3 "$PROBE" icmp-count 7777 20 198.19.0.12 198.19.0.13 2001:2:0:1::12 2001:2:0:1::13)
[[ $(awk '$2 >= 6 && $2 <= 8' <<<"$counted" | wc -l) == 4 ]] ||
  fail "with hosticmp 1 6, 6 to 8 port unreachables per address: $counted"
limited_ports=53,123,161,10000-10019
in_scan python3 "$PROBE" observe "$(python3 -c 'print(",".join(["53", "123", "161"] + [str(p) for p in range(10000, 10020)]))')" \
  198.19.0.20 2001:2:0:1::20 >"$E2E_WORK/limited.ndjson"
rc=0
python3 "$CHECK_UDP" --truth "$LAB_TRUTH" --targets 198.19.0.20 2001:2:0:1::20 --udp-ports "$limited_ports" \
  "$E2E_WORK/limited.ndjson" >"$E2E_WORK/limited.out" || rc=$?
((rc == 1)) || fail "under the limit, closed ports cannot all be exact (exit $rc): $(cat "$E2E_WORK/limited.out")"
python3 "$CHECK_UDP" --truth "$LAB_TRUTH" --targets 198.19.0.20 2001:2:0:1::20 --udp-ports "$limited_ports" \
  --exact open,filtered,open\|filtered "$E2E_WORK/limited.ndjson" >"$E2E_WORK/limited.out" ||
  fail "with closed tolerated, the limited scan must pass: $(cat "$E2E_WORK/limited.out")"
"$LAB_SH" impair "$LAB_NAME" clear
log "ok: per-host ICMP limit: $(tr '\n' ' ' <<<"$counted")(address count); closed ports beyond the burst tolerated as silence"
log "PASS"
