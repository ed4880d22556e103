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
# Installed by the Dev Container Feature, the defaults come from the root-owned
# /usr/local/share/cordon/feature.env its options wrote at build time; PID 1's
# environment is read only when root owns PID 1 (a Feature cannot make the
# container start as root, and a PID 1 the agent user owns it could rewrite).
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
  [ "$(stat -c %u /proc/1)" = 0 ] || return 0
  tr '\0' '\n' < /proc/1/environ | sed -n "s/^$1=//p" | head -n 1
}
feature_env=/usr/local/share/cordon/feature.env
feature_setting() {
  [ -f "$feature_env" ] || return 0
  sed -n "s/^$1=//p" "$feature_env" | head -n 1
}

mode="$(container_env CORDON_FIREWALL_MODE)"
allowlist="$(container_env CORDON_ALLOWLIST)"
mode="${mode:-$(feature_setting CORDON_FIREWALL_MODE)}"
allowlist="${allowlist:-$(feature_setting CORDON_ALLOWLIST)}"
node="$(feature_setting CORDON_NODE)"
mode="${mode:-enforce}"
allowlist="${allowlist:-/usr/local/share/cordon/allowlist.toml}"
node="${node:-/usr/local/bin/node}"
if [ "$(stat -c %u /proc/1)" != 0 ]; then
  echo "init-firewall: PID 1 does not run as root; its environment is ignored (settings: $feature_env)" >&2
fi

case "$mode" in
  off)
    echo "init-firewall: WARNING: the egress firewall is DISABLED (CORDON_FIREWALL_MODE=off was set when this container was created, or the Feature was built with firewall "off")." >&2
    echo "init-firewall: everything the container can reach, the agent can reach. Recreate (or rebuild) the container without that setting to enforce the allowlist." >&2
    exit 0
    ;;
  enforce) ;;
  *)
    echo "init-firewall: CORDON_FIREWALL_MODE='$mode' is not one of: enforce, off" >&2
    exit 2
    ;;
esac

exec "$node" /usr/local/lib/cordon/dist/bundle/firewall/bring-up-main.js --allowlist "$allowlist"
