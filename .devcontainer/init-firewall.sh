#!/bin/bash
# cordon egress firewall entry point. The dev container runs it as root on
# every start (postStartCommand: `sudo /usr/local/bin/init-firewall.sh`).
#
# Its settings come from the container's creation environment (PID 1's), never
# from whoever calls it: sudo resets the caller's environment, and the agent
# user cannot change PID 1's. They are set in devcontainer.json `containerEnv`
# and can be overridden from the host with the same variable names:
#   CORDON_FIREWALL_MODE  enforce (default) | off (tests of the image only; loud)
#   CORDON_ALLOWLIST      allowlist file; default /usr/local/share/cordon/allowlist.toml
set -euo pipefail
umask 022
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if [ "$(id -u)" -ne 0 ]; then
  echo "init-firewall: must run as root (use: sudo $0)" >&2
  exit 1
fi
if [ "$#" -ne 0 ]; then
  echo "init-firewall: takes no arguments; settings come from the container's environment" >&2
  exit 2
fi

container_env() {
  local v
  v="$(tr '\0' '\n' < /proc/1/environ | sed -n "s/^$1=//p" | head -n 1)"
  printf '%s' "$v"
}

mode="$(container_env CORDON_FIREWALL_MODE)"
allowlist="$(container_env CORDON_ALLOWLIST)"
mode="${mode:-enforce}"
allowlist="${allowlist:-/usr/local/share/cordon/allowlist.toml}"

case "$mode" in
  off)
    echo "init-firewall: WARNING: the egress firewall is DISABLED (CORDON_FIREWALL_MODE=off was set when this container was created)." >&2
    echo "init-firewall: everything the container can reach, the agent can reach. Recreate the container without that setting to enforce the allowlist." >&2
    exit 0
    ;;
  enforce) ;;
  *)
    echo "init-firewall: CORDON_FIREWALL_MODE='$mode' is not one of: enforce, off" >&2
    exit 2
    ;;
esac

exec /usr/local/bin/node /usr/local/lib/cordon/dist/bundle/firewall/bring-up-main.js --allowlist "$allowlist"
