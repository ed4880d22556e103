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

# EUID: bash sets it from geteuid() at start and it is read-only (no `id` process).
if [ "$EUID" -ne 0 ]; then
  echo "init-firewall: must run as root (use: sudo $0)" >&2
  exit 1
fi
if [ "$#" -ne 0 ]; then
  echo "init-firewall: takes no arguments; settings come from the container's environment" >&2
  exit 2
fi

# Read with shell builtins: a process per setting cost this script most of its 15 ms.
pid1_env=()
feature_env=()
feature_env_file=/usr/local/share/cordon/feature.env
pid1_is_root=false
# -O: owned by our effective uid, which is root's (checked above).
if [ -O /proc/1 ]; then
  pid1_is_root=true
  while IFS= read -r -d '' kv; do pid1_env+=("$kv"); done </proc/1/environ
fi
if [ -f "$feature_env_file" ]; then
  while IFS= read -r kv || [ -n "$kv" ]; do feature_env+=("$kv"); done <"$feature_env_file"
fi
# setting NAME: PID 1's non-empty value, else the Feature's first, else empty; into REPLY.
setting() {
  local kv
  REPLY=
  for kv in "${pid1_env[@]}"; do
    if [[ $kv == "$1="?* ]]; then REPLY=${kv#*=}; return; fi
  done
  for kv in "${feature_env[@]}"; do
    if [[ $kv == "$1="* ]]; then REPLY=${kv#*=}; return; fi
  done
}

setting CORDON_FIREWALL_MODE
mode="${REPLY:-enforce}"
setting CORDON_ALLOWLIST
allowlist="${REPLY:-/usr/local/share/cordon/allowlist.toml}"
# The Node to run: the Feature's only (never PID 1's, which names no program to run as root).
node=
for kv in "${feature_env[@]}"; do
  if [[ $kv == CORDON_NODE=* ]]; then node=${kv#*=}; break; fi
done
node="${node:-/usr/local/bin/node}"
if [ "$pid1_is_root" != true ]; then
  echo "init-firewall: PID 1 does not run as root; its environment is ignored (settings: $feature_env_file)" >&2
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

exec "$node" /usr/local/lib/cordon/dist/bundle/firewall/bring-up-main.cjs --allowlist "$allowlist"
