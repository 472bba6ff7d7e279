#!/usr/bin/env bash
# --rate auto on the clean lab: a /20 plus four addresses of the drop block x 5 ports, checked probe by probe
# against the truth (every state exact: the search loses nothing, and what it might lose the implied retry
# pass re-sends); --metadata records the search (mode auto, the rate history from 1,000 pps upward, one retry
# pass implied) and --status-json shows the rate, its state and the reply ratio. A fixed rate at 100k pps on
# the clean lab prints no loss warning.
# The impaired lab's --rate auto case is scripts/lab_impair.sh's (another test).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

targets=(198.19.0.0/20 198.19.255.0/30)
ports=22,80,113,1000,8080

log "(a) --rate auto, every state shown, --metadata and --status-json"
scan "${targets[@]}" -p "$ports" --rate auto --wait 1 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/auto.ndjson" --metadata "$E2E_WORK/auto.json" --status-json 2>"$E2E_WORK/auto.err" ||
  fail "synscan --rate auto exited with $?: $(tail -5 "$E2E_WORK/auto.err")"
check_truth --targets "${targets[@]}" --ports "$ports" --all "$E2E_WORK/auto.ndjson" ||
  fail "(a) --rate auto: reported states differ from the truth"
jq -e '.rate.mode == "auto" and .rate.max_pps == 10000000 and .options.retries == 2
       and .rate.history[0] == [0, 1000] and (.rate.history | length) >= 3
       and ([.rate.history[][1]] | max) >= 8000 and (.probes.sent_per_pass | length) == 3' \
  "$E2E_WORK/auto.json" >/dev/null ||
  fail "(a) --metadata does not record the search: $(jq -c '{rate, options: .options.retries, probes}' "$E2E_WORK/auto.json")"
grep '^{' "$E2E_WORK/auto.err" | jq -e -s 'map(select(.phase == "sending")) | length > 0 and
    all(.rate_mode == "auto" and .rate_pps > 0 and (.rate_state | type) == "string")' >/dev/null ||
  fail "(a) --status-json lines lack the rate: $(grep '^{' "$E2E_WORK/auto.err" | head -3)"
grep -q '^synscan: rate auto: [0-9]* changes, highest [0-9]* pps' "$E2E_WORK/auto.err" ||
  fail "(a) no 'rate auto' summary line: $(grep -v '^{' "$E2E_WORK/auto.err")"
log "$(grep -E '^synscan: (rate auto|[0-9]+ probes sent)' "$E2E_WORK/auto.err" | tr '\n' ' ')"
log "history: $(jq -c .rate.history "$E2E_WORK/auto.json")"

log "(b) bad forms of --rate auto exit 2 naming the token"
rc=0
"$SYNSCAN_BIN" 198.19.0.1 -p 80 --rate auto:fast --dry-run >/dev/null 2>"$E2E_WORK/bad.err" || rc=$?
((rc == 2)) || fail "(b) --rate auto:fast exited with $rc, expected 2"
grep -q "bad value 'fast' in --rate auto:MAX" "$E2E_WORK/bad.err" || fail "(b) $(cat "$E2E_WORK/bad.err")"

log "(c) a fixed 100k pps on the clean lab: no loss warning"
scan "${targets[@]}" -p "$ports" --rate 100000 --wait 1 --metadata "$E2E_WORK/fixed.json" \
  >/dev/null 2>"$E2E_WORK/fixed.err" || fail "synscan --rate 100000 exited with $?"
if grep -q 'warning: the replies per probe fell' "$E2E_WORK/fixed.err"; then
  fail "(c) a loss warning on the clean lab: $(cat "$E2E_WORK/fixed.err")"
fi
jq -e '.rate.mode == "fixed" and .rate.loss_warning == null and .rate.history == [[0, 100000]]' \
  "$E2E_WORK/fixed.json" >/dev/null || fail "(c) --metadata rate: $(jq -c .rate "$E2E_WORK/fixed.json")"
log "PASS"
