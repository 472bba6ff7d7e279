#!/usr/bin/env bash
# Issue 12: a lossy path. The lab loses 2% of the probes and 2% of the replies, at random (lab.sh impair NAME
# loss 2). On 512 targets x 5 ports (2,560 probes, 2,048 of them answered: 22 80 open, 21 23 closed, 25 filtered):
#   --retries 0  loses answers (expected ~60: 2% of the open ports' probes, ~4% of the closed ones'; at least 15
#                here), never a false positive: the impairment bites and the scorer sees it
#   --retries 2  recovers them: every probe answers in one of three tries but for 2 at most (expected 0.07:
#                (1 - 0.98^2)^3 x 1,024 closed + 0.02^3 x 1,024 open, the target itself re-sending lost SYN-ACKs;
#                3 or more lost has a probability of about 6e-5), 0 false positives
# and the lab's counters show drops in both directions, so the loss really ran.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up
"$LAB_SH" impair "$LAB_NAME" loss 2 || fail "lab.sh impair loss 2 failed"

targets=198.19.0.0/23
ports=21,22,23,25,80
score=$SYNSCAN_SOURCE_DIR/scripts/bench_accuracy_score.py

# drops CHAIN: the packets the lab's loss rules of CHAIN (loss_fwd, loss_rev) dropped so far.
drops() {
  "$LAB_SH" exec-target "$LAB_NAME" nft list chain netdev synscan_impair "$1" |
    awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
# field LINE KEY: the number after KEY= in a score line.
field() { sed -n "s/.* $2=\\([0-9]\\+\\).*/\\1/p" <<<" $1"; }

# run RETRIES: one scan, scored; prints the score line.
run() {
  local out=$E2E_WORK/r$1.ndjson line rc=0
  scan "$targets" -p "$ports" --rate 5000 --retries "$1" --wait 2 --show open,closed,filtered --format ndjson \
    -o "$out" 2>"$E2E_WORK/r$1.err" || fail "synscan --retries $1 exited with $?: $(cat "$E2E_WORK/r$1.err")"
  line=$(python3 "$score" --truth "$LAB_TRUTH" --targets "$targets" --ports "$ports" --format ndjson \
    --states open,closed,filtered "$out") || rc=$?
  ((rc <= 1)) || fail "scoring failed (exit $rc)"
  printf '%s\n' "$line"
}

fwd0=$(drops loss_fwd)
rev0=$(drops loss_rev)
no_retry=$(run 0)
log "--retries 0: $no_retry"
retried=$(run 2)
log "--retries 2: $retried"
fwd=$(($(drops loss_fwd) - fwd0))
rev=$(($(drops loss_rev) - rev0))
log "the lab dropped $fwd packets toward the targets and $rev replies"

# ~2% of the ~5,600 packets each way (probes, the scanner's RSTs; SYN-ACKs, RSTs): a loss rule that drops
# nothing, or everything, would show here.
((fwd >= 30 && fwd <= 400)) || fail "forward loss dropped $fwd packets, expected about 2% (30-400)"
((rev >= 30 && rev <= 400)) || fail "reply loss dropped $rev packets, expected about 2% (30-400)"

lost0=$(field "$no_retry" lost)
fp0=$(field "$no_retry" fp)
[[ -n $lost0 && -n $fp0 ]] || fail "cannot read the score: $no_retry"
((lost0 >= 15)) || fail "--retries 0 lost only $lost0 answers on a 2% lossy path (expected ~60): the loss did not bite"
((fp0 == 0)) || fail "--retries 0: $fp0 false positives: $no_retry"

lost2=$(field "$retried" lost)
fp2=$(field "$retried" fp)
dup2=$(field "$retried" dup)
[[ -n $lost2 && -n $fp2 && -n $dup2 ]] || fail "cannot read the score: $retried"
((fp2 == 0 && dup2 == 0)) || fail "--retries 2: false positives or duplicates: $retried"
((lost2 <= 2)) || fail "--retries 2 lost $lost2 answers on a 2% lossy path (expected 0.07, 3 or more ~6e-5): $retried"
log "PASS"
