#!/usr/bin/env bash
# Configures and builds synscan.
#
# Usage: scripts/build.sh [--sanitize] [--target T]... [CMAKE_ARG...]
#   BUILD_DIR        build directory (default: <repo>/build)
#   BUILD_TYPE       CMAKE_BUILD_TYPE (default: Release)
#   SYNSCAN_SANITIZE ON|OFF, passed through as -DSYNSCAN_SANITIZE (also: --sanitize, or -DSYNSCAN_SANITIZE=ON)
#   JOBS             parallel build jobs (default: nproc)
# Every other argument is passed to the cmake configure step.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
jobs=${JOBS:-$(nproc)}

cmake_args=()
targets=()
while (($# > 0)); do
  case $1 in
    --sanitize) cmake_args+=(-DSYNSCAN_SANITIZE=ON) ;;
    --target)
      (($# >= 2)) || { echo "build.sh: --target needs a value" >&2; exit 2; }
      targets+=(--target "$2")
      shift
      ;;
    --target=*) targets+=(--target "${1#--target=}") ;;
    *) cmake_args+=("$1") ;;
  esac
  shift
done
if [[ -n ${SYNSCAN_SANITIZE:-} ]]; then
  cmake_args=(-DSYNSCAN_SANITIZE="$SYNSCAN_SANITIZE" "${cmake_args[@]}")
fi

generator=()
# The generator can only be chosen on the first configure of a build directory.
[[ -f $build_dir/CMakeCache.txt ]] || generator=(-G "Unix Makefiles")

set -x
cmake -S "$repo_root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  "${cmake_args[@]}"
cmake --build "$build_dir" -j"$jobs" "${targets[@]}"
