# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034  # work, lab, truth, ... come from bench-accuracy.sh; it reads imp_goals_missed
# The impaired cases of scripts/bench-accuracy.sh (issue 12), sourced by it after its clean cases: the same lab,
# one impairment at a time (scripts/lab_impair.sh), side by side in one run.
#
# Space: 198.19.0.0/21 (2,048 targets) x 11 ports (open 22 80 443 8080, closed 21 23 110 3306 5432, dropped 25,
# ICMP-rejected 113) = 22,528 probes: 8,192 open, 10,240 closed, 4,096 filtered. Each case runs
#   synscan  at every rate of IMPAIRED_RATES (pps; "max" = --rate 100000000, as fast as it sends) with
#            --retries 2; the best fixed rate with hindsight is the fastest run that gets >= 99.9% of every
#            state with 0 false positives
#   synscan  --rate auto (its own --retries default), when this synscan has it (--count accepts it)
#   zmap     the same asked rates, one run per open port (zmap 2.1.1 scans one port a run), -P 1: open only
#   masscan  the same asked rates, all ports in one run, no retries (its --retries never ends here): open only
# every run with 2 s to wait for late replies (synscan --wait 2, zmap -c 2, masscan --wait 2). Time is wall time
# from start to exit. Then the goals: auto >= 99.9% of every state, 0 false positives, <= 1.5 x the best fixed
# rate's time (clean: <= 1.25 x the max rate's time); with loss2, --retries 2 exact at the rates the lab
# carries.
#
# The cases (IMPAIRMENTS, any of them, in order; `lab.sh impair` arguments):
readonly -A IMPAIRED_SPECS=(
  [clean]=""                        # the lab as it is
  [loss2]="loss 2"                  # 2% of the probes and 2% of the replies lost at random
  [policer]="policer 8000"          # forward path policed at 8,000 TCP packets/s (the scanner's RSTs count)
  [tbf]="tbf 3mbit 16kb 50ms"       # replies shaped to 3 Mbit/s (~6,700 replies/s), a 50 ms queue
  [synlimit]="synlimit 3 3"         # each target takes 3 SYNs a second (bucket 3)
  [icmp]="icmp"                     # Linux's default ICMP rate limits (port 113 answers a few probes a second)
  [rstlimit]="rstlimit 4000"        # the targets' RSTs limited to 4,000/s in all (as FreeBSD's icmplim)
)
imp_targets=198.19.0.0/21
imp_ports=22,80,443,8080,21,23,110,3306,5432,25,113
imp_open_ports=(22 80 443 8080)
imp_wait=2
imp_fixed_retries=2
imp_rates=${IMPAIRED_RATES:-2500 5000 10000 20000 40000 max}
imp_goals_missed=0
imp_table=$work/impaired.tsv   # case scanner asked open closed filtered fp lost seconds ok

imp_rate_arg() { if [[ $1 == max ]]; then echo 100000000; else echo "$1"; fi; }
imp_pct() { sed -n "s/.*$1=[0-9]*\/[0-9]* (\([0-9.]*\)%).*/\1/p" <<<"$2"; }
imp_num() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $2"; }
imp_lost() { local n; n=$(imp_num lost "$1"); echo "${n:--}"; }
# imp_ok SCORE_LINE: every scored state >= 99.9% and no false positive.
imp_ok() {
  local s pct
  for s in open closed filtered; do
    pct=$(imp_pct "$s" "$1")
    [[ -z $pct ]] && continue
    awk -v p="$pct" 'BEGIN { exit !(p >= 99.9) }' || return 1
  done
  [[ $(imp_num fp "$1") == 0 ]]
}
# imp_row CASE SCANNER ASKED SCORE SECONDS [NOTE]: prints the row and appends it to the table.
imp_row() {
  local ok=0 open closed filtered
  imp_ok "$4" && ok=1
  open=$(imp_pct open "$4")
  closed=$(imp_pct closed "$4")
  filtered=$(imp_pct filtered "$4")
  printf '%-9s %-8s %-10s %s | %s s%s\n' "$1" "$2" "$3" "$4" "$5" "${6:+ | $6}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${open:--}" "${closed:--}" "${filtered:--}" \
    "$(imp_num fp "$4")" "$(imp_lost "$4")" "$5" "$ok" >>"$imp_table"
}

# Each run takes source ports no earlier run used (imp_next_ports): a policer drops the scanner kernel's RSTs,
# so the targets keep an earlier run's half-open connections (SYN_RECV, about a minute) and answer a new SYN on
# the same 4-tuple with a bare ACK for the old one, which validates for no scanner: an open port would look
# filtered because of the run before, not this one. 128 ports a run from 10000, below the kernel's ephemeral
# range (the banner stage and the lab's own connections).
imp_port_base=10000
imp_next_ports() {
  imp_ports_range="$imp_port_base-$((imp_port_base + 127))"
  imp_ports_first=$imp_port_base
  imp_port_base=$((imp_port_base + 128))
  ((imp_port_base + 128 <= 32768)) || imp_port_base=10000
}

# imp_synscan CASE ASKED ARGS...: one synscan run, scored.
imp_synscan() {
  local name=$1 asked=$2 tag=$1-synscan-$2 start rc=0 elapsed line sent
  shift 2
  imp_next_ports
  start=$(date +%s.%N)
  in_lab "$synscan" "$imp_targets" -p "$imp_ports" "$@" --source-port "$imp_ports_range" --wait "$imp_wait" --show open,closed,filtered \
    --format ndjson -o "$work/$tag.ndjson" 2>"$work/$tag.err" || rc=$?
  elapsed=$(seconds_since "$start")
  if ((rc != 0)); then
    printf '%-9s %-8s %-10s failed: exit %d (%s)\n' "$name" synscan "$asked" "$rc" "$(tail -n 1 "$work/$tag.err")"
    return 0
  fi
  line=$(python3 "$score" --truth "$truth" --targets "$imp_targets" --ports "$imp_ports" --format ndjson \
    --states open,closed,filtered "$work/$tag.ndjson" || true)
  sent=$(sed -n 's/^synscan: \([0-9]\+\) probes sent in [0-9.]\+ s (\([0-9]\+\) pps); passes: \([0-9+]\+\).*/\1 probes, \2 pps, passes \3/p' \
    "$work/$tag.err")
  imp_row "$name" synscan "$asked" "$line" "$elapsed" "$sent"
}

imp_zmap() {
  local name=$1 asked=$2 start found=0 total=0 port part elapsed fp=0
  start=$(date +%s.%N)
  for port in "${imp_open_ports[@]}"; do
    imp_next_ports
    in_lab zmap -q -s "$imp_ports_range" -i veth-scan -S 198.18.0.1 -G "$next_hop_mac" -b "$work/zmap.blocklist" -p "$port" \
      -r "$(imp_rate_arg "$asked")" -P 1 -c "$imp_wait" -o "$work/zmap-$name-$asked-$port.txt" "$imp_targets" \
      >"$work/zmap-$name.log" 2>&1 || { tail -n 3 "$work/zmap-$name.log" >&2; echo "bench-accuracy: zmap failed" >&2; }
    part=$(python3 "$score" --truth "$truth" --targets "$imp_targets" --ports "$port" --format ips \
      "$work/zmap-$name-$asked-$port.txt" || true)
    found=$((found + $(sed -n 's/^open=\([0-9]*\)\/.*/\1/p' <<<"$part")))
    total=$((total + $(sed -n 's/^open=[0-9]*\/\([0-9]*\) .*/\1/p' <<<"$part")))
    fp=$((fp + $(imp_num fp "$part")))
  done
  elapsed=$(seconds_since "$start")
  imp_row "$name" zmap "$asked" "open=$found/$total ($(awk -v a="$found" -v b="$total" 'BEGIN { printf "%.2f", 100 * a / b }')%) fp=$fp lost=- dup=-" \
    "$elapsed" "${#imp_open_ports[@]} runs, open ports only"
}

# masscan 1.3.2 does not exit here after its --wait (its status line counts the wait below zero: its receive
# thread sleeps in libpcap until a packet comes): its time is taken when that line first shows the wait over;
# then SIGINT and one TCP connection to the lab's next hop (a packet to wake it) make it write its output and exit.
imp_masscan() {
  local name=$1 asked=$2 start part elapsed='' out=$work/masscan-$1-$2.txt log=$work/masscan-$1-$2.log pid='' p i
  imp_next_ports
  start=$(date +%s.%N)
  (cd "$work" && timeout -k 5 120 "$lab_sh" exec "$lab" masscan "$imp_targets" -p "$imp_ports" \
    --source-port "$imp_ports_first" \
    --rate "$(imp_rate_arg "$asked")" --wait "$imp_wait" -e veth-scan --adapter-ip 198.18.0.1 \
    --router-mac "$next_hop_mac" -oL "$out" >"$log" 2>&1) &
  for ((i = 0; i < 1200; i++)); do
    if grep -q 'waiting -' "$log" 2>/dev/null; then
      elapsed=$(seconds_since "$start")
      break
    fi
    kill -0 $! 2>/dev/null || break
    sleep 0.1
  done
  for p in $(pgrep -f -- "-oL $out" || true); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == masscan ]] && pid=$p
  done
  for ((i = 0; i < 5; i++)); do
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    kill -INT "$pid" 2>/dev/null || true
    timeout 2 "$lab_sh" exec "$lab" bash -c 'exec 3<>/dev/tcp/198.18.0.2/22' 2>/dev/null || true
    sleep 0.5
  done
  wait $! || true
  [[ -n $elapsed ]] || { elapsed=$(seconds_since "$start"); echo "bench-accuracy: masscan: no end of wait seen" >&2; }
  part=$(python3 "$score" --truth "$truth" --targets "$imp_targets" --ports "$imp_ports" --format masscan-list \
    "$out" || true)
  # shellcheck disable=SC2001  # a regular expression
  imp_row "$name" masscan "$asked" "$(sed 's/lost=[0-9]*/lost=-/' <<<"$part")" "$elapsed" "open ports only"
}

# imp_goals CASE: the goals of issue 12 for one case, from the table.
imp_goals() {
  local name=$1 best best_rate max_time auto auto_time auto_ok bound ratio
  best=$(awk -F'\t' -v c="$name" '$1 == c && $2 == "synscan" && $3 != "auto" && $10 == 1 { print $9, $3 }' \
    "$imp_table" | sort -n | head -n 1)
  best_rate=${best#* }
  max_time=$(awk -F'\t' -v c="$name" '$1 == c && $2 == "synscan" && $3 == "max" { print $9 }' "$imp_table")
  auto=$(awk -F'\t' -v c="$name" '$1 == c && $2 == "synscan" && $3 == "auto" { print $9, $10 }' "$imp_table")
  if [[ -z $best ]]; then
    echo "$name: goal: no fixed rate got >= 99.9% of every state with 0 false positives"
  else
    echo "$name: best fixed rate with hindsight: $best_rate pps, ${best%% *} s"
  fi
  if [[ $name == loss2 ]]; then
    awk -F'\t' '$1 == "loss2" && $2 == "synscan" && $3 != "auto" {
      printf "loss2: --retries 2 at %s pps: %s lost, %s false positives%s\n", $3, $8, $7, ($8 == 0 && $7 == 0) ? " (exact)" : "" }' \
      "$imp_table"
  fi
  [[ -n $auto ]] || return 0
  auto_time=${auto%% *}
  auto_ok=${auto#* }
  if [[ $name == clean ]]; then
    bound=1.25
    ratio=$(awk -v a="$auto_time" -v b="$max_time" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    echo "$name: auto $auto_time s = $ratio x the max rate's $max_time s (goal <= $bound)"
  elif [[ -n $best ]]; then
    bound=1.5
    ratio=$(awk -v a="$auto_time" -v b="${best%% *}" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    echo "$name: auto $auto_time s = $ratio x the best fixed rate's ${best%% *} s (goal <= $bound)"
  fi
  if ((auto_ok != 1)); then
    echo "$name: GOAL MISSED: auto below 99.9% in some state, or false positives"
    imp_goals_missed=1
  fi
  if [[ -n ${ratio:-} ]] && ! awk -v r="$ratio" -v b="$bound" 'BEGIN { exit !(r <= b) }'; then
    echo "$name: GOAL MISSED: auto took $ratio x (goal <= $bound)"
    imp_goals_missed=1
  fi
}

# imp_markdown: the table for README.md, one row per case: synscan's best fixed rate with hindsight, its max
# rate, --rate auto (the worst state's recall, false positives, time and its ratio to the best fixed rate's;
# clean: to the max rate's), zmap's and masscan's open recall and time at the best rate and at max.
imp_markdown() {
  echo "| impairment | synscan best fixed rate (hindsight) | synscan max rate: worst state, time | synscan \`--rate auto\`: worst state, false pos., time, / best | zmap open: at the best rate; at max | masscan open: at the best rate; at max |"
  echo "|---|---|---|---|---|---|"
  awk -F'\t' '
    function worst(i,   w) { w = $4 + 0; if ($5 != "-" && $5 + 0 < w) w = $5 + 0; if ($6 != "-" && $6 + 0 < w) w = $6 + 0; return w }
    { c = $1; if (!(c in seen)) { seen[c] = 1; order[++n] = c }
      if ($2 == "synscan" && $3 == "auto") { auto[c] = sprintf("%.2f%%, %s, %s s", worst(), $7, $9); autot[c] = $9 }
      else if ($2 == "synscan") {
        if ($3 == "max") { maxr[c] = sprintf("%.2f%%, %s s", worst(), $9); maxt[c] = $9 }
        if ($10 == 1 && (!(c in bestt) || $9 + 0 < bestt[c] + 0)) { bestt[c] = $9; bestr[c] = $3 }
      } else { key = c SUBSEP $2 SUBSEP $3; other[key] = sprintf("%s%% (%s s)", $4, $9) } }
    END { for (i = 1; i <= n; i++) { c = order[i]
        best = (c in bestt) ? sprintf("%s pps, %s s", bestr[c], bestt[c]) : "none >= 99.9%"
        ref = (c == "clean") ? maxt[c] : bestt[c]
        a = (c in auto) ? auto[c] : "not run"
        if ((c in auto) && ref + 0 > 0) a = a sprintf(", %.2f x%s", autot[c] / ref, (c == "clean") ? " max" : "")
        z = ((c SUBSEP "zmap" SUBSEP bestr[c]) in other ? other[c SUBSEP "zmap" SUBSEP bestr[c]] : "-") "; " \
            ((c SUBSEP "zmap" SUBSEP "max") in other ? other[c SUBSEP "zmap" SUBSEP "max"] : "-")
        m = ((c SUBSEP "masscan" SUBSEP bestr[c]) in other ? other[c SUBSEP "masscan" SUBSEP bestr[c]] : "-") "; " \
            ((c SUBSEP "masscan" SUBSEP "max") in other ? other[c SUBSEP "masscan" SUBSEP "max"] : "-")
        printf "| %s | %s | %s | %s | %s | %s |\n", c, best, (c in maxr) ? maxr[c] : "-", a, z, m } }' "$imp_table"
}

run_impaired_cases() {
  local name spec asked auto_rc=0
  : >"$imp_table"
  : >"$work/zmap.blocklist"
  in_lab "$synscan" --count "$imp_targets" -p "$imp_ports" --rate auto >/dev/null 2>&1 || auto_rc=$?
  echo "bench-accuracy: impaired cases: $imp_targets x ports $imp_ports (22,528 probes); rates: $imp_rates;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
  ((auto_rc == 0)) || echo "bench-accuracy: this synscan has no --rate auto (--count exit $auto_rc): auto not run"
  for name in $IMPAIRMENTS; do
    [[ -v "IMPAIRED_SPECS[$name]" ]] ||
      { echo "bench-accuracy: unknown impairment '$name' (${!IMPAIRED_SPECS[*]})" >&2; return 2; }
    spec=${IMPAIRED_SPECS[$name]}
    "$lab_sh" impair "$lab" clear
    # shellcheck disable=SC2086  # the spec is words: KIND ARGS
    [[ -z $spec ]] || "$lab_sh" impair "$lab" $spec
    echo "--- $name: ${spec:-no impairment}"
    for asked in $imp_rates; do
      imp_synscan "$name" "$asked" --rate "$(imp_rate_arg "$asked")" --retries "$imp_fixed_retries"
    done
    ((auto_rc != 0)) || imp_synscan "$name" auto --rate auto
    if [[ ${SKIP_OTHERS:-0} != 1 ]]; then
      for asked in $imp_rates; do
        if command -v zmap >/dev/null; then imp_zmap "$name" "$asked"; fi
        if command -v masscan >/dev/null; then imp_masscan "$name" "$asked"; fi
      done
    fi
    imp_goals "$name"
  done
  "$lab_sh" impair "$lab" clear
  echo "bench-accuracy: impaired cases done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ -n ${IMPAIRED_TABLE:-} ]]; then
    imp_markdown >"$IMPAIRED_TABLE"
    echo "bench-accuracy: the impaired cases' table is in $IMPAIRED_TABLE"
  fi
}
