#!/usr/bin/env bash
# C-N17 (issue 23 item 6): a scan with --pcap-out and --metadata, stopped (--max-runtime) and resumed three
# times: every file keeps what the runs before wrote. The metadata of each resumed run goes beside the first
# (m.json.resumed, m.json.resumed.2, ...), the pcap is appended to (one file header, every run's frames: each
# of the 512 probes once over the four runs). Before: each resume rewrote m.json and truncated the pcap.
# A resume file already resumed is refused (issue 22 item 3).
# 256 hosts x 2 ports at 100 pps, --retries 0: about 5 s of sending over four runs.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up
d=$E2E_WORK/files
mkdir -p "$d"
chmod 777 "$d"  # synscan writes its resume file after dropping root

scan 198.19.0.0/24 -p 22,80 --rate 100 --retries 0 --wait 1 --no-status -oD "$d/r.ndjson" --metadata "$d/m.json" \
  --pcap-out "$d/p.pcap" --resume-file "$d/r.resume" --max-runtime 1.5 2>"$d/err1" >/dev/null ||
  fail "first run exited $?: $(cat "$d/err1")"
[[ $(jq -r .interrupted "$d/m.json") == true ]] || fail "the first run was not stopped by --max-runtime"
first_start=$(jq -r .start "$d/m.json")
first_bytes=$(stat -c %s "$d/p.pcap")
((first_bytes > 24)) || fail "the first run's pcap holds no frame"

# Issue 22 item 3: the second run writes its resume point elsewhere (r2.resume); r.resume, marked when that run
# started, is refused by a second resume (before: accepted, and every record of the second run written twice).
scan --resume "$d/r.resume" --resume-file "$d/r2.resume" --max-runtime 1.5 --no-status 2>"$d/err2" >/dev/null ||
  fail "resume 2 exited $?: $(cat "$d/err2")"
rc=0
scan --resume "$d/r.resume" --no-status 2>"$d/err-again" >/dev/null || rc=$?
((rc == 2)) && grep -q "resume file '$d/r.resume' was already resumed (at " "$d/err-again" ||
  fail "a second resume of r.resume: exit $rc, $(cat "$d/err-again")"
for run in 3 4; do
  limit=1.5
  ((run == 4)) && limit=0
  scan --resume "$d/r2.resume" --max-runtime "$limit" --no-status 2>"$d/err$run" >/dev/null ||
    fail "resume $run exited $?: $(cat "$d/err$run")"
done
[[ ! -e $d/r2.resume ]] || fail "the completed scan left its resume file"

[[ $(jq -r .start "$d/m.json") == "$first_start" ]] || fail "m.json no longer holds the first run's metadata"
[[ $(jq -r .interrupted "$d/m.json") == true ]] || fail "m.json no longer says the first run was interrupted"
for f in m.json.resumed m.json.resumed.2 m.json.resumed.3; do
  [[ -s $d/$f ]] || fail "no $f: $(ls "$d")"
done
[[ $(jq -r .interrupted "$d/m.json.resumed.3") == false ]] || fail "the last resume did not complete the scan"
now_bytes=$(stat -c %s "$d/p.pcap")
((now_bytes > first_bytes)) || fail "the pcap shrank or did not grow: $first_bytes -> $now_bytes bytes"
syn=$(python3 "$SYNSCAN_SOURCE_DIR/tests/e2e/pcap_count.py" "$d/p.pcap" | jq .syn)
((syn == 512)) || fail "the pcap holds $syn probes, want 512 (every probe once over the four runs)"
log "metadata: m.json + 3 x .resumed; pcap: $first_bytes -> $now_bytes bytes, 512 probes"
log "PASS"
