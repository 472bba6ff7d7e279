#!/usr/bin/env bash
# Issue 24: every probe answered, every answer a result. The reflector lab (lab.sh up --reflector: an XDP
# program answers each probe in place, SYN-ACK on even ports, RST on odd ones, DNS on UDP 53, ICMP echo) is
# scanned at a modest rate with TCP, UDP and echo probes in both families, with --suppress-rst: each probe must
# get exactly the result the reflector's rules give, with 0 drops at every stage (capture ring, interface,
# queue), and the scan's nftables table must be gone afterwards. A probe the veth refused to carry (a send
# error: the target's XDP ring full on a busy machine) never reached the reflector: at most that many probes
# may be silent instead.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
export SYNSCAN_REFLECTOR=${SYNSCAN_REFLECTOR:-${SYNSCAN_BUILD_DIR:-$(dirname "$SYNSCAN_BIN")/..}/bench/synscan_xdp_reflector}
[[ -x $SYNSCAN_REFLECTOR ]] || skip "no XDP reflector at $SYNSCAN_REFLECTOR (needs clang and libbpf-dev)"
lab_up --reflector

out=$E2E_WORK/results.ndjson
meta=$E2E_WORK/meta.json
# 16,448 targets x (T:1, T:2, U:53, U:54) + echo: 82,240 probes at 50,000 a second.
scan 198.19.0.0/18 2001:2:0:1::/122 -p T:1,2,U:53,54 --ping --rate 50000 --wait 2 --show all \
  --suppress-rst --format ndjson -o "$out" --metadata "$meta" || fail "synscan exited with $?"

tables=$("$LAB_SH" exec "$LAB_NAME" nft list tables)
[[ $tables != *synscan_rst_* ]] || fail "--suppress-rst left its table behind: $tables"

python3 - "$out" "$meta" <<'PY' || fail "results differ from the reflector's rules"
import ipaddress, json, sys

results, meta = sys.argv[1], json.load(open(sys.argv[2]))
targets = [ipaddress.ip_address(int(ipaddress.ip_address("198.19.0.0")) + i) for i in range(16384)]
targets += [ipaddress.ip_address(int(ipaddress.ip_address("2001:2:0:1::")) + i) for i in range(64)]
expected = {}
for ip in targets:
    expected[(str(ip), "tcp", 1)] = ("closed", "rst")
    expected[(str(ip), "tcp", 2)] = ("open", "syn-ack")
    expected[(str(ip), "udp", 53)] = ("open", "udp-response")
    expected[(str(ip), "udp", 54)] = ("open|filtered", "no-response")
    expected[(str(ip), "icmp", None)] = ("up", "echo-reply")
seen, wrong, silent = set(), [], 0
for line in open(results):
    r = json.loads(line)
    key = (r["ip"], r["proto"], r.get("port"))
    if key not in expected or key in seen:
        wrong.append(("unexpected or repeated", line.strip()))
        continue
    seen.add(key)
    got = (r["state"], r["reason"])
    if got != expected[key]:
        if r["reason"] == "no-response" and key[1] != "udp":
            silent += 1  # a probe that may not have left (send error): counted against them below
        else:
            wrong.append((expected[key], line.strip()))
missing = len(expected) - len(seen)
errors = meta["sender"]["errors"]
drops = meta["drops"]
print(f"{len(seen)} results of {len(expected)} probes; {silent} silent, {errors} send errors; drops {drops}")
for w in wrong[:10]:
    print("wrong:", w)
ok = not wrong and missing == 0 and silent <= errors
ok = ok and all(drops[k] == 0 for k in ("pcap", "interface", "queue", "answers"))
ok = ok and meta["probes"]["sent"] == len(expected)
sys.exit(0 if ok else 1)
PY
log "PASS"
