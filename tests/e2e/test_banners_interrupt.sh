#!/usr/bin/env bash
# --banners and a stop request: the scan has sent everything, the banners of the lab's ports that close at once
# are done, and port 7000 (a listener in the target namespace that accepts and never speaks) keeps the rest
# pending for --banner-timeout 30. A SIGINT then ends the wait at once: every open result is written, in every
# format valid (NDJSON, JSON, XML against nmap.dtd, CSV), the done banners with their status and the pending
# ones as not_done; the summary counts them; the scan itself was complete, so no resume file.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

d=$E2E_WORK/run
mkdir -p "$d"
chmod 777 "$d"  # synscan writes after dropping root for nobody
cat >"$d/silent.py" <<'PY'
import socket, sys, time
held = []
socks = []
for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 7000))
    s.listen(128)
    s.setblocking(False)
    socks.append(s)
open(sys.argv[1], "w").close()
end = time.time() + 120
while time.time() < end:
    for s in socks:
        try:
            held.append(s.accept()[0])  # accepted, never answered
        except BlockingIOError:
            pass
    time.sleep(0.01)
PY
"$LAB_SH" exec-target "$LAB_NAME" python3 "$d/silent.py" "$d/ready" &
for _ in $(seq 50); do [[ -e $d/ready ]] && break; sleep 0.1; done
[[ -e $d/ready ]] || fail "the silent listener did not start"

targets=(198.19.0.1-198.19.0.4 2001:2:0:1::1-2001:2:0:1::4)
timeout --foreground -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" "${targets[@]}" -p 22,7000 \
  --banners --banner-timeout 30 --wait 0.5 --no-status -oD "$d/r.ndjson" -oJ "$d/r.json" -oX "$d/r.xml" \
  -oC "$d/r.csv" --resume-file "$d/scan.resume" 2>"$d/err" &
scanner=$!
sleep 3  # sent, waited 0.5 s, the port 22 banners done; port 7000's pending
start=$(date +%s%N)
kill -s INT "$scanner"
rc=0
wait "$scanner" || rc=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
((rc == 0)) || fail "synscan exited $rc after SIGINT: $(cat "$d/err")"
((took_ms < 3000)) || fail "synscan took ${took_ms} ms to end after SIGINT (the banner timeout is 30 s)"

[[ $(wc -l <"$d/r.ndjson") -eq 16 ]] || fail "want 16 open results, got: $(cat "$d/r.ndjson")"
jq -e . "$d/r.ndjson" >/dev/null || fail "the NDJSON is not one JSON value a line"
[[ $(jq -r 'select(.port == 22) | .banner_status' "$d/r.ndjson" | sort -u) == closed ]] ||
  fail "port 22 (the lab's listener closes at once) is not 'closed': $(cat "$d/r.ndjson")"
[[ $(jq -r 'select(.port == 7000) | .banner_status' "$d/r.ndjson" | sort -u) == not_done ]] ||
  fail "port 7000 (silent, cut by SIGINT) is not 'not_done': $(cat "$d/r.ndjson")"
[[ $(jq 'length' "$d/r.json") -eq 16 ]] || fail "the JSON array does not hold the 16 results"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$d/r.xml" || fail "the XML is not valid against nmap.dtd"
[[ $(grep -c ',not_done,' "$d/r.csv") -eq 8 ]] || fail "the CSV lacks the not_done rows: $(cat "$d/r.csv")"
grep -q 'banners: 8 done, 8 not done' "$d/err" || fail "the summary does not count the banners: $(cat "$d/err")"
[[ ! -e $d/scan.resume ]] || fail "a resume file was written, but every probe had been sent and waited for"

log "PASS"
