#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages synscan needs to build, test and run its lab.
#
# Idempotent and fast on repeat: when dpkg already reports every package installed, apt is not touched at all,
# so this needs root only when something is missing. Extend SYNSCAN_PACKAGES (or set SYNSCAN_EXTRA_PACKAGES,
# space separated) to add a package.
set -euo pipefail

SYNSCAN_PACKAGES=(
  # toolchain
  cmake g++ make pkg-config clang
  # libraries linked by synscan
  libpcap-dev libnet1-dev libboost-program-options-dev libsodium-dev libfmt-dev
  libnl-3-dev libnl-route-3-dev nlohmann-json3-dev libcap-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libbpf-dev
  # the lab (network namespaces) and its checks; python3-yaml reads the rendered Kubernetes manifests (test_shards)
  iproute2 nftables ethtool libcap2-bin python3 python3-yaml jq libxml2-utils ndiff nmap-common tcpdump
  # service names for the outputs (/etc/services); nmap-common above brings nmap.dtd for the XML checks
  netbase
  # the services lab (lab.sh up --services, scripts/lab_services.sh): real servers run inside its target
  # namespace from configs in the lab's state dir, and the certificate made at lab start
  nginx dropbear-bin vsftpd socat openssl
)
# kubectl renders scripts/k8s (kubectl kustomize) for tests/e2e/test_shards.sh. Debian 12's kubernetes-client
# (1.20, kustomize v2) renders it; a kubectl already on PATH (e.g. from Google's or Kubernetes' own packages, which
# would conflict with it over /usr/bin/kubectl) is used as it is.
command -v kubectl >/dev/null 2>&1 || SYNSCAN_PACKAGES+=(kubernetes-client)
# Word splitting is intended: a space separated list from the environment.
# shellcheck disable=SC2206
SYNSCAN_PACKAGES+=(${SYNSCAN_EXTRA_PACKAGES:-})

# Prints the packages that dpkg does not report as installed ("ii"), one per line.
missing_packages() {
  local pkg status
  for pkg in "${SYNSCAN_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || printf '%s\n' "$pkg"
  done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: dpkg-query not found; this script supports Debian/Ubuntu only." >&2
  echo "install-deps: install by hand: ${SYNSCAN_PACKAGES[*]}" >&2
  exit 1
fi

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#SYNSCAN_PACKAGES[@]} packages already installed." >&2
  exit 0
fi

echo "install-deps: missing: ${missing[*]}" >&2
if ((EUID != 0)); then
  echo "install-deps: run as root to install them (e.g. sudo $0)." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${SYNSCAN_PACKAGES[@]}"

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} != 0)); then
  echo "install-deps: still missing after apt-get install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: done." >&2
