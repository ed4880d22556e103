#!/usr/bin/env bash
# Builds and starts the secure dev container for this folder, then shows the
# agent ready inside it. `npm start` runs this.
#   scripts/up.sh [nested|boundary]      (default: nested)
# On machines without a container registry, set CORDON_OFFLINE=1 to build from
# the local stand-ins (scripts/offline-images.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-nested}"
case "$mode" in
  nested) config=.devcontainer/devcontainer.json ;;
  boundary) config=.devcontainer/boundary/devcontainer.json ;;
  *) echo "usage: scripts/up.sh [nested|boundary]" >&2; exit 2 ;;
esac
say() { printf '\n==> %s\n' "$*"; }
cli=(node node_modules/@devcontainers/cli/devcontainer.js)
[ -f "${cli[1]}" ] || { echo "run 'npm ci' first (the dev container CLI is a dev dependency)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "no Docker engine answers: install and start Docker first" >&2; exit 1; }

if [ "${CORDON_OFFLINE:-0}" = "1" ]; then
  say "preparing offline image stand-ins"
  while IFS='=' read -r k v; do export "CORDON_$k=$v"; done < <(bash scripts/offline-images.sh)
fi

say "building and starting the '$mode' dev container (first build takes a few minutes)"
"${cli[@]}" up --workspace-folder . --config "$config"

say "the agent inside the container"
"${cli[@]}" exec --workspace-folder . --config "$config" cordon --version
"${cli[@]}" exec --workspace-folder . --config "$config" cordon doctor
echo "ready: open a shell with '${cli[*]} exec --workspace-folder . --config $config bash', set your API key, and run 'cordon'"
