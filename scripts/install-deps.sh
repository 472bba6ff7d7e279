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
  # the format check scripts/test.sh runs first (scripts/check-format.sh, .clang-format)
  clang-format
  # libraries linked by synscan
  libpcap-dev libnet1-dev libboost-program-options-dev libsodium-dev libfmt-dev
  libnl-3-dev libnl-route-3-dev nlohmann-json3-dev libcap-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libbpf-dev
  # the lab (network namespaces) and its checks; python3-yaml reads the rendered Kubernetes manifests (test_shards)
  iproute2 nftables ethtool libcap2-bin python3 python3-yaml jq libxml2-utils ndiff nmap-common tcpdump
  # service names for the outputs (/etc/services); nmap-common above brings nmap.dtd for the XML checks
  netbase
  # loads the installed completion (share/bash-completion/completions/synscan); tests/scripts/test_completion.sh
  # completes with its helpers
  bash-completion
  # the OS guess of --output-fields os: p0f's signatures, read at run time from /etc/p0f/p0f.fp
  p0f
  # the services lab (lab.sh up --services, scripts/lab_services.sh): real servers run inside its target
  # namespace from configs in the lab's state dir, and the certificate made at lab start
  nginx dropbear-bin vsftpd socat openssl
  # the UDP lab (lab.sh up --udp, scripts/lab_udp.sh): DNS, NTP and SNMP servers run inside its target namespace
  # (dnsmasq-base is the binary without Debian's service), and the clients of its self-check (dig, snmpget, ping)
  dnsmasq-base chrony snmpd snmp bind9-dnsutils iputils-ping
)
# Daemons whose Debian packages start and enable a service in the root namespace on install. The lab runs its own
# copies inside its namespaces only; none may run (or answer) on the host. See keep_daemons_down below.
SYNSCAN_NO_START_SERVICES=(chrony snmpd)
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

# While apt installs, a policy-rc.d that answers 101 ("action forbidden") keeps every package's postinst from starting
# its service through invoke-rc.d or deb-systemd-invoke (Debian's policy-rc.d interface), with or without systemd.
# An existing policy-rc.d (e.g. a container's own) is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# synscan install-deps.sh: no service starts during this install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
  trap 'rm -f -- "$policy"' EXIT
fi

# keep_daemons_down PKG...: for the given freshly installed packages, stops and disables their service where systemd
# runs (the packages enable it for the next boot); without systemd (a container) policy-rc.d was enough, nothing to
# enable at boot. A service that was installed before this run is not touched (the machine's own chrony stays).
keep_daemons_down() {
  local pkg
  [[ -d /run/systemd/system ]] || return 0
  for pkg in "$@"; do
    systemctl disable --now "$pkg" >/dev/null 2>&1 || echo "install-deps: could not disable $pkg's service" >&2
  done
}

fresh_daemons=()
for pkg in "${SYNSCAN_NO_START_SERVICES[@]}"; do
  [[ " ${missing[*]} " == *" $pkg "* ]] && fresh_daemons+=("$pkg")
done

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${SYNSCAN_PACKAGES[@]}"
keep_daemons_down "${fresh_daemons[@]}"
if ((own_policy)); then
  rm -f -- "$policy"
  trap - EXIT
fi

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} != 0)); then
  echo "install-deps: still missing after apt-get install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: done." >&2
