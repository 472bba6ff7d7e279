#!/usr/bin/env bash
# scripts/lab.sh clean keeps a lab whose creator still runs (it removed labs in use, e.g. another test's), warns
# about it, and removes it with --force; stale labs (creator gone) and manual labs (made at a prompt) go.
# Only the labs this test makes are named to clean, so that labs of other runs on this machine are untouched.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns

base=$(printf 'sslab-clean-%s-%04x' "$$" "$RANDOM")
alive=$base-a stale=$base-s manual=$base-m
owners=()
cleanup_labs() {
  local rc=$? name pid
  for name in "$alive" "$stale" "$manual"; do "$LAB_SH" down "$name" 2>/dev/null || true; done
  for pid in "${owners[@]}"; do kill "$pid" 2>/dev/null || true; done
  (exit $rc)
  _e2e_cleanup
}
trap cleanup_labs EXIT

exists() { "$LAB_SH" list | cut -f1 | grep -qxF -- "$1"; }

sleep 600 &
owners+=($!)
SYNSCAN_LAB_OWNER_PID=$! "$LAB_SH" up "$alive" >/dev/null || fail "lab up $alive"
sleep 600 &
stale_owner=$!
owners+=($stale_owner)
SYNSCAN_LAB_OWNER_PID=$stale_owner "$LAB_SH" up "$stale" >/dev/null || fail "lab up $stale"
env -u SYNSCAN_LAB_OWNER_PID "$LAB_SH" up "$manual" >/dev/null || fail "lab up $manual"
kill "$stale_owner"
wait "$stale_owner" 2>/dev/null || true

"$LAB_SH" clean "$alive" "$stale" "$manual" 2>"$E2E_WORK/clean.err" || fail "lab.sh clean: $(cat "$E2E_WORK/clean.err")"
exists "$alive" || fail "clean removed $alive, whose creator still runs"
grep -q "warning: keeping lab $alive: its creator (pid ${owners[0]}) is still running" "$E2E_WORK/clean.err" ||
  fail "no warning about $alive: $(cat "$E2E_WORK/clean.err")"
! exists "$stale" || fail "clean kept the stale lab $stale"
! exists "$manual" || fail "clean kept the manual lab $manual"
ip netns list | awk '{print $1}' | grep -qxF -- "$stale-scan" && fail "namespace $stale-scan is left"
log "ok: clean kept $alive (creator alive, warned) and removed $stale (stale) and $manual (manual)"

"$LAB_SH" clean --force "$alive" 2>"$E2E_WORK/force.err" || fail "lab.sh clean --force: $(cat "$E2E_WORK/force.err")"
! exists "$alive" || fail "clean --force kept $alive"
log "ok: clean --force removed $alive"
log "PASS"
