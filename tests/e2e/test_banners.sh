#!/usr/bin/env bash
# --banners on a services lab (scripts/lab.sh up --services: nginx on HTTP and TLS, Dropbear, vsftpd, a silent
# and a resetting port), IPv4 and IPv6 in one scan: every open service named with its banner as the lab's truth
# says (ssh and ftp greetings; http status, Server and title; the TLS certificate's subject, issuer, SANs and
# expiry), the silent port reported silent and the resetting one reset, in every output format at once (NDJSON
# and JSON parsed by jq, XML valid against nmap.dtd and read by ndiff, CSV, grepable; tests/e2e/check_banners.py
# checks each against the truth); the summary counts the banners. The services lab's open/closed/filtered truth
# holds for a plain scan.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
for tool in jq xmllint ndiff; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh installs it)"
done
dtd=/usr/share/nmap/nmap.dtd
[[ -f $dtd ]] || fail "$dtd not found (scripts/install-deps.sh installs nmap-common)"
lab_up --services

ports=$(jq -r '.services | keys | map(tonumber) | sort | map(tostring) | join(",")' "$LAB_TRUTH")
[[ -n $ports ]] || fail "the services lab's truth has no services: $(cat "$LAB_TRUTH")"
targets=(198.19.0.1-198.19.0.2 2001:2:0:1::1-2001:2:0:1::2)
jq -e '.families | index("ipv6")' "$LAB_TRUTH" >/dev/null || fail "the lab has no IPv6 (this test needs both families)"

log "the services lab's open/closed/filtered truth, without --banners"
scan 198.19.0.0/30 2001:2:0:1::/126 -p "$ports,23,25,113" --rate 2000 --wait 1 --show all --no-status \
  --format ndjson -o "$E2E_WORK/plain.ndjson" 2>"$E2E_WORK/plain.err" || fail "plain scan exited $?: $(cat "$E2E_WORK/plain.err")"
check_truth --targets 198.19.0.0/30 2001:2:0:1::/126 --ports "$ports,23,25,113" --all "$E2E_WORK/plain.ndjson" ||
  fail "a plain scan of the services lab does not match its truth"

log "--banners, every format at once"
out=$E2E_WORK/b
scan "${targets[@]}" -p "$ports" --banners --no-status -o "$out.ndjson" -o "$out.json" \
  -o "$out.csv" -o "$out.xml" -o "$out.gnmap" -o "$out.txt" 2>"$E2E_WORK/banners.err" ||
  fail "scan --banners exited $?: $(cat "$E2E_WORK/banners.err")"

jq -e . "$out.ndjson" >/dev/null || fail "the NDJSON is not one JSON value a line"
jq -e 'type == "array"' "$out.json" >/dev/null || fail "the JSON is not one array"
xmllint --noout --dtdvalid "$dtd" "$out.xml" || fail "the XML is not valid against nmap.dtd"
ndiff "$out.xml" "$out.xml" >"$E2E_WORK/ndiff.out" 2>&1 || fail "ndiff cannot read the XML: $(cat "$E2E_WORK/ndiff.out")"
python3 "$SYNSCAN_SOURCE_DIR/tests/e2e/check_banners.py" --truth "$LAB_TRUTH" --targets "${targets[@]}" \
  --ndjson "$out.ndjson" --json "$out.json" --csv "$out.csv" --xml "$out.xml" --gnmap "$out.gnmap" ||
  fail "--banners results do not match the services lab"
check_truth --targets "${targets[@]}" --ports "$ports" "$out.ndjson" || fail "--banners changed the open ports found"
# The list format: one line per open port with its banner status.
n_ports=$(tr ',' '\n' <<<"$ports" | wc -l)
(($(grep -c '^open tcp ' "$out.txt") == 4 * n_ports)) || fail "the list output lacks ports: $(cat "$out.txt")"
grep -Eq '^open tcp 9001 2001:2:0:1::1 .*reset' "$out.txt" || fail "the list output does not say the reset: $(cat "$out.txt")"

# The summary: one banner per open port, the resetting ports counted.
summary=$(grep -E 'banners: [0-9]+ done' "$E2E_WORK/banners.err") || fail "no banner summary: $(cat "$E2E_WORK/banners.err")"
[[ $summary =~ ([0-9]+)\ done ]] && ((BASH_REMATCH[1] == 4 * n_ports)) ||
  fail "summary '$summary': want $((4 * n_ports)) done"
[[ $summary =~ ([0-9]+)\ reset ]] && ((BASH_REMATCH[1] == 4)) || fail "summary '$summary': want 4 reset"
# Each count of the summary is the number of records with that banner_status (issue 23: it counted silent ones
# as timed out).
for status in timeout silent refused reset; do
  word=$status
  [[ $status == timeout ]] && word='timed out'
  [[ $summary =~ ([0-9]+)\ $word ]] || fail "summary '$summary': no '$word' count"
  records=$(jq -s --arg s "$status" 'map(select(.banner_status == $s)) | length' "$out.ndjson")
  ((BASH_REMATCH[1] == records)) || fail "summary '$summary': ${BASH_REMATCH[1]} $word, the records say $records"
done

log "PASS"
