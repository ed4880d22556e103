#!/usr/bin/env bash
# bench/dns's peers and tools, from Debian's packages (never assumed present):
# dnsmasq (the peer), dnsperf (the load generator), bind9 (the upstream).
set -euo pipefail
need=()
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
[ -x /usr/sbin/named ] || need+=(bind9)
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]} (Debian)" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
