#!/usr/bin/env bash
# Installs synscan so that it runs without root: `cmake --install` to PREFIX, then file capabilities on the
# installed binary (setcap cap_net_raw,cap_net_admin+ep). Run as root.
#
# Usage: scripts/install.sh [PREFIX]          (default PREFIX /usr/local -> /usr/local/bin/synscan)
#   BUILD_DIR       build directory to install from (default <repo>/build; built first if missing)
#   SYNSCAN_GROUP   if set, only members of this group may run the binary (chgrp GROUP, chmod 0750): file
#                   capabilities let whoever runs it send raw packets, so limit that on shared machines.
#
# CAP_NET_RAW: open the AF_PACKET send sockets and the libpcap capture. CAP_NET_ADMIN: ask the kernel to
# resolve the next hop's MAC at set-up (without it synscan falls back to sending one empty UDP datagram to the
# next hop). synscan drops both before sending its first probe (see README "Running without root").
# Exit 1 when the filesystem does not support file capabilities (some overlays, NFS): then run as root.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
prefix=${1:-/usr/local}
caps=cap_net_raw,cap_net_admin+ep

die() {
  echo "install: $*" >&2
  exit 1
}

((EUID == 0)) || die "run as root: setting file capabilities needs CAP_SETFCAP (e.g. sudo $0 $prefix)"
command -v setcap >/dev/null 2>&1 || die "setcap not found (package libcap2-bin; scripts/install-deps.sh)"
if [[ ! -x $build_dir/cli/synscan ]]; then
  BUILD_DIR=$build_dir "$repo_root/scripts/build.sh"
fi

cmake --install "$build_dir" --prefix "$prefix" >&2
binary=$prefix/bin/synscan
[[ -x $binary ]] || die "$binary was not installed"

if [[ -n ${SYNSCAN_GROUP:-} ]]; then
  getent group "$SYNSCAN_GROUP" >/dev/null || die "group '$SYNSCAN_GROUP' does not exist (groupadd it first)"
  chgrp "$SYNSCAN_GROUP" "$binary"
  chmod 0750 "$binary"
else
  chmod 0755 "$binary"
fi
# chgrp/chmod clear file capabilities, so set them last.
setcap "$caps" "$binary" ||
  die "setcap $caps $binary failed: this filesystem may not support file capabilities"
got=$(getcap "$binary")
[[ $got == *cap_net_admin,cap_net_raw=ep* || $got == *cap_net_raw,cap_net_admin=ep* ]] ||
  die "capabilities not set as expected: '$got'"
echo "install: $got" >&2
echo "install: done; run '$binary --help' as any user${SYNSCAN_GROUP:+ in group $SYNSCAN_GROUP}" >&2
