#!/usr/bin/env bash
# C27 + C29: a slow scan (--rate 100) with its NDJSON piped into a line reader, and every file format written at
# once. Each result must reach the pipe within a second of being found; a SIGINT, then a SIGTERM, at a random
# moment must leave every output (ndjson, json, xml, csv, grepable) valid and holding exactly the results the
# pipe saw up to then.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

CHECK_OUTPUTS=$SYNSCAN_SOURCE_DIR/tests/e2e/check_outputs.py
LINE_READER=$SYNSCAN_SOURCE_DIR/tests/e2e/line_reader.py

for sig in INT TERM; do
  d=$E2E_WORK/$sig
  mkdir -p "$d"
  chmod 777 "$d"  # synscan writes its resume file after dropping root for nobody
  mkfifo "$d/pipe"
  python3 -u "$LINE_READER" <"$d/pipe" >"$d/pipe.tsv" &
  reader=$!
  # 256 hosts x 4 ports (open, open, closed, ICMP-rejected) at 100 pps: about 10 s, stopped well before the end.
  # --foreground: otherwise timeout passes our signal on to synscan twice (directly and to its process group), and
  # a second signal cuts the drain short (a third kills): one signal is the case under test here.
  timeout --foreground -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" 198.19.0.0/24 -p 22,80,113,1000 \
    --rate 100 --wait 2 --show all --no-status --format ndjson -o - -oD "$d/r.ndjson" -oJ "$d/r.json" \
    -oX "$d/r.xml" -oC "$d/r.csv" -oG "$d/r.gnmap" --resume-file "$d/scan.resume" >"$d/pipe" 2>"$d/err" &
  scanner=$!
  delay_ms=$((1500 + RANDOM % 3000))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  log "SIG$sig after $delay_ms ms"
  kill -s "$sig" "$scanner"
  rc=0
  wait "$scanner" || rc=$?
  wait "$reader" || fail "line reader failed"
  ((rc == 0)) || fail "synscan exited $rc after SIG$sig: $(cat "$d/err")"
  grep -q "interrupted" "$d/err" || fail "the summary does not say the scan was interrupted: $(cat "$d/err")"
  [[ -s $d/pipe.tsv ]] || fail "no result reached the pipe before SIG$sig"
  python3 "$CHECK_OUTPUTS" --pipe "$d/pipe.tsv" --max-latency-ms 1000 --interrupted \
    "$d/r.ndjson" "$d/r.json" "$d/r.xml" "$d/r.csv" "$d/r.gnmap" || fail "outputs after SIG$sig are not valid and complete"
done

log "PASS"
