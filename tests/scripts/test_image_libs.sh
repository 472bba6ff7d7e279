#!/usr/bin/env bash
# C-N32 (issue 23 item 5): every shared library the synscan binary links directly (its ELF NEEDED entries) comes
# from a package that the Kubernetes image's runtime stage (scripts/k8s/Dockerfile) installs, or from one that
# debian:12-slim already has (libc6, libgcc-s1, libstdc++6). The image once lacked libssl3 although the binary
# links libssl.so.3: the pod would not start. Needs dpkg (a Debian or Ubuntu machine); says SKIPPED otherwise.
# Usage: test_image_libs.sh /path/to/synscan
set -euo pipefail
bin=${1:?usage: test_image_libs.sh /path/to/synscan}
src=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
dockerfile=$src/scripts/k8s/Dockerfile
if ! command -v dpkg >/dev/null || ! command -v objdump >/dev/null; then
  echo "SKIPPED [test_image_libs]: needs dpkg and objdump" >&2
  exit 0
fi

# The runtime stage's packages: the words of its `apt-get install` command that are not options.
packages=$(awk '/^FROM /{stage++} stage == 2' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
  grep -o 'apt-get install[^&]*' | tr ' ' '\n' | grep -v -e '^-' -e '^apt-get$' -e '^install$' -e '^$' | sort -u)
[[ -n $packages ]] || { echo "FAIL: no apt-get install found in the runtime stage of $dockerfile" >&2; exit 1; }
base="libc6 libgcc-s1 libstdc++6"

missing=()
while read -r lib; do
  path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3 }')
  [[ -n $path ]] || { echo "FAIL: ldd does not resolve $lib" >&2; exit 1; }
  pkg=$(dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true)
  pkg=${pkg%%:*}
  [[ -n $pkg ]] || { echo "FAIL: no package owns $path ($lib)" >&2; exit 1; }
  if ! grep -qx -- "$pkg" <<<"$packages" && [[ " $base " != *" $pkg "* ]]; then missing+=("$pkg ($lib)"); fi
done < <(objdump -p "$bin" | awk '/NEEDED/ { print $2 }' | grep -v -E '^lib(a|ub|l|t)san\.so')
# (The sanitizer runtimes of an ASan + UBSan build, scripts/test.sh's second build, are not what the image ships.)

if ((${#missing[@]} > 0)); then
  echo "FAIL: the image's runtime packages (scripts/k8s/Dockerfile) lack: ${missing[*]}" >&2
  exit 1
fi
echo "test_image_libs: every library synscan links comes from the image's packages" >&2
