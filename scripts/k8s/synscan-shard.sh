#!/bin/sh
# One shard of a synscan scan. The Kubernetes Indexed Job (job.yaml) runs this in each pod; tests/e2e/test_shards.sh
# runs the very same script as N local processes against the lab. Configuration comes from the environment, which
# the Job fills from the ConfigMap (shard.env):
#   SYNSCAN_SHARDS        N, the number of shards; must equal the Job's completions
#   SYNSCAN_SEED          the permutation seed, the same for every shard (required: shards with different seeds overlap)
#   SYNSCAN_TARGETS       targets, blank or comma separated (addresses, CIDR blocks, ranges, hostnames)
#   SYNSCAN_TARGET_FILE   optional: a target file (-iL), e.g. mounted from the ConfigMap
#   SYNSCAN_PORTS         the -p list (or leave empty and put --top-ports N into SYNSCAN_ARGS)
#   SYNSCAN_ARGS          further options, e.g. "--rate 50000 --wait 5 --show open,closed,filtered --exclude-file F"
#   SYNSCAN_OUT_DIR       where shard-I-of-N.ndjson goes (default /results); '-' writes NDJSON to stdout
#   SYNSCAN_BIN           the synscan binary (default: synscan on PATH)
#   JOB_COMPLETION_INDEX  0-based pod index, set by Kubernetes for Indexed Jobs; shard = index + 1
# The output file appears under its final name only when synscan succeeded (written as .partial first), so a
# collector never takes a half-written shard for a whole one. Exit status: synscan's.
set -eu
set -f  # SYNSCAN_TARGETS and SYNSCAN_ARGS are split into words on purpose, never globbed

die() {
  echo "synscan-shard: $*" >&2
  exit 2
}
is_number() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac }

shards=${SYNSCAN_SHARDS:-}
seed=${SYNSCAN_SEED:-}
index=${JOB_COMPLETION_INDEX:-}
bin=${SYNSCAN_BIN:-synscan}
out_dir=${SYNSCAN_OUT_DIR:-/results}
if ! is_number "$shards" || [ "$shards" -lt 1 ]; then die "SYNSCAN_SHARDS must be a number >= 1 (got '$shards')"; fi
is_number "$seed" || die "SYNSCAN_SEED must be set to a number, the same for every shard (got '$seed')"
is_number "$index" || die "JOB_COMPLETION_INDEX must be set (0-based; Kubernetes sets it in an Indexed Job)"
[ "$index" -lt "$shards" ] || die "JOB_COMPLETION_INDEX $index is not below SYNSCAN_SHARDS $shards"
shard=$((index + 1))

# The command line, built as positional parameters so that every value stays one argument.
# shellcheck disable=SC2086  # word splitting intended (set -f: no globbing)
set -- ${SYNSCAN_TARGETS:-}
if [ -n "${SYNSCAN_TARGET_FILE:-}" ]; then set -- "$@" --include-file "$SYNSCAN_TARGET_FILE"; fi
if [ -n "${SYNSCAN_PORTS:-}" ]; then set -- "$@" -p "$SYNSCAN_PORTS"; fi
# shellcheck disable=SC2086  # word splitting intended (set -f: no globbing)
set -- "$@" --seed "$seed" --shard "$shard/$shards" ${SYNSCAN_ARGS:-}

probes=$("$bin" "$@" --count) || exit $?
echo "synscan-shard: shard $shard/$shards: $probes probes: $bin $*" >&2

if [ "$out_dir" = "-" ]; then
  exec "$bin" "$@" --format ndjson -o -
fi
mkdir -p "$out_dir"
out=$out_dir/shard-$shard-of-$shards.ndjson
rc=0
"$bin" "$@" --format ndjson -o "$out.partial" || rc=$?
if [ "$rc" -eq 0 ]; then
  mv -f "$out.partial" "$out"
  echo "synscan-shard: wrote $out" >&2
fi
exit "$rc"
