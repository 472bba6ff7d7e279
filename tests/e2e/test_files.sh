#!/usr/bin/env bash
# Files synscan reads and writes, through the real binary and its exit codes (no lab: every run sends nothing,
# and runs sandboxed in an empty network namespace when we are root).
#   - a directory given where a file is read (--config, -iL, --exclude-file, --resume, merge) is refused by name
#     with "Is a directory", exit 1; a resume file that cannot be read is exit 1 (the environment), not 2.
#   - a write error (here /dev/full: ENOSPC) names the file and the reason and exits 1, wherever the bytes go:
#     --help, --version, --echo-config, --count and --dry-run on stdout, a dry run's -o FILE, synscan merge.
#     (A scan's outputs, --pcap-out and --metadata: tests/e2e/test_output_errors.sh, in a lab.)
#   - one file through two spellings (./a.dat, a symlink) is refused as two outputs, exit 2, before any is created.
#   - format names in any case: merge --format JSON writes the JSON array.
#   - --shard I/N with N above the number of probes is bad input (exit 2); N equal to it gives one probe a shard.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# expect_exit CODE TEXT CMD...: CMD must exit CODE with exactly one stderr line, starting "synscan: " and holding
# TEXT (a fixed string), and nothing on stdout.
expect_exit() {
  local want=$1 text=$2 rc=0
  shift 2
  "$@" >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
  ((rc == want)) || fail "$* exited $rc, want $want; stderr: $(head -c 400 "$E2E_WORK/err")"
  [[ $(wc -l <"$E2E_WORK/err") -eq 1 ]] || fail "$*: want one stderr line, got: $(cat "$E2E_WORK/err")"
  [[ $(cat "$E2E_WORK/err") == "synscan: "*"$text"* ]] || fail "$*: stderr '$(cat "$E2E_WORK/err")' lacks '$text'"
  [[ ! -s $E2E_WORK/out ]] || fail "$*: unexpected stdout: $(head -c 200 "$E2E_WORK/out")"
  log "ok (exit $rc): $(cat "$E2E_WORK/err")"
}
S=$SYNSCAN_BIN
D=$E2E_WORK/a-directory
mkdir -p "$D"

log "a directory where a file is read"
expect_exit 1 "cannot read config file '$D': Is a directory" sandboxed "$S" --config "$D" 198.18.0.1 -p 80 --count
expect_exit 1 "cannot read --include-file '$D': Is a directory" sandboxed "$S" -iL "$D" -p 80 --count
expect_exit 1 "cannot read --exclude-file '$D': Is a directory" \
  sandboxed "$S" 198.18.0.1 -p 80 --exclude-file "$D" --count
expect_exit 1 "cannot read resume file '$D': Is a directory" sandboxed "$S" --resume "$D"
expect_exit 1 "cannot read '$D': Is a directory" "$S" merge "$D"

log "a resume file that cannot be read is the environment (exit 1)"
expect_exit 1 "cannot read resume file '$E2E_WORK/none.resume': No such file or directory" \
  sandboxed "$S" --resume "$E2E_WORK/none.resume"
if ((EUID == 0)) && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
  printf '{}\n' >"$E2E_WORK/root-only.resume"
  chmod 600 "$E2E_WORK/root-only.resume"
  expect_exit 1 "cannot read resume file '$E2E_WORK/root-only.resume': Permission denied" \
    setpriv --reuid nobody --regid "$(id -g nobody)" --clear-groups "$S" --resume "$E2E_WORK/root-only.resume"
fi

log "write errors name the file and the reason"
full="No space left on device"
into_full() { "$@" >/dev/full; }
for args in "--help" "--version" "198.18.0.1 -p 80 --echo-config" "198.18.0.1 -p 80 --count" \
  "198.18.0.0/16 -p 80 --dry-run"; do
  # shellcheck disable=SC2086  # one string of arguments each
  expect_exit 1 "cannot write standard output: $full" into_full sandboxed "$S" $args
done
expect_exit 1 "cannot write output '/dev/full': $full" sandboxed "$S" 198.18.0.0/16 -p 80 --dry-run -o /dev/full
printf '{"ip":"198.19.0.1","port":80,"state":"open"}\n' >"$E2E_WORK/one.ndjson"
expect_exit 1 "cannot write output '/dev/full': $full" "$S" merge "$E2E_WORK/one.ndjson" -o /dev/full
expect_exit 1 "cannot write standard output: $full" into_full "$S" merge "$E2E_WORK/one.ndjson"

log "one file through two spellings"
cd "$E2E_WORK"
expect_exit 2 "bad output './a.dat' (the same file as output 'a.dat': each output needs its own file)" \
  sandboxed "$S" 198.18.0.0/30 -p 80 --dry-run -oX a.dat -oD ./a.dat
[[ ! -e a.dat ]] || fail "a.dat was created although the command line was refused"
ln -s a.dat link.dat
expect_exit 2 "bad output 'link.dat' (the same file as output 'a.dat'" \
  sandboxed "$S" 198.18.0.0/30 -p 80 --dry-run -oX a.dat -oD link.dat
mkdir sub
expect_exit 2 "bad --metadata 'a.dat' (the same file as output 'sub/../a.dat'" \
  sandboxed "$S" 198.18.0.0/30 -p 80 --dry-run --metadata a.dat -o sub/../a.dat
expect_exit 2 "bad --resume-file 'r.txt' (the same file as output 'r.txt'" \
  sandboxed "$S" 198.18.0.0/30 -p 80 --dry-run -o r.txt --resume-file r.txt
sandboxed "$S" 198.18.0.0/30 -p 80 --dry-run -oX /dev/null -oD /dev/null >/dev/null ||
  fail "-oX /dev/null -oD /dev/null was refused (character devices may be shared)"
cd - >/dev/null

log "merge: a scan's outputs, never over its input"
cp "$E2E_WORK/one.ndjson" "$E2E_WORK/self.ndjson"
expect_exit 2 "merge: bad output '$E2E_WORK/self.ndjson' (the same file as input '$E2E_WORK/self.ndjson'" \
  "$S" merge "$E2E_WORK/self.ndjson" -o "$E2E_WORK/self.ndjson"
cmp -s "$E2E_WORK/one.ndjson" "$E2E_WORK/self.ndjson" || fail "merge rewrote its own input"
"$S" merge "$E2E_WORK/one.ndjson" -o "$E2E_WORK/m.csv" -oX "$E2E_WORK/m.xml" -oD "$E2E_WORK/m.ndjson" 2>/dev/null ||
  fail "merge -o m.csv -oX m.xml -oD m.ndjson failed"
head -c 3 "$E2E_WORK/m.csv" | grep -q '^ip,' || fail "merge -o m.csv did not write CSV"
grep -q '<nmaprun' "$E2E_WORK/m.xml" || fail "merge -oX did not write XML"
jq -e '.port == 80' "$E2E_WORK/m.ndjson" >/dev/null || fail "merge -oD did not write NDJSON"
log "ok: merge outputs"

log "format names in any case"
"$S" merge "$E2E_WORK/one.ndjson" --format JSON 2>/dev/null | jq -e '.[0].port == 80' >/dev/null ||
  fail "merge --format JSON did not write a JSON array"
log "ok: merge --format JSON"

log "shards: N from 1 to the number of probes"
expect_exit 2 "bad shard '5/5' in --shard (N runs from 1 to the number of probes, here 4)" \
  sandboxed "$S" 198.18.0.0/30 -p 80 --seed 1 --shard 5/5 --count
[[ $(sandboxed "$S" 198.18.0.0/30 -p 80 --seed 1 --shard 4/4 --count) == 1 ]] || fail "shard 4/4 of 4 probes"

log "PASS"
