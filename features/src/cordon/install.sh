#!/bin/sh
# cordon Dev Container Feature: runs as root while the image is built.
#
# Installs bubblewrap, nftables, sudo, cordon (from cordon.tgz beside this
# script), the firewall entry point, the `cordon-dns` user the DNS refresher
# runs as, and one sudo rule: the remote user may run the firewall start and
# nothing else. Options arrive as environment variables (MODE, FIREWALL,
# ALLOWLIST, VERSION, KEEPSUDO); _REMOTE_USER is the user the agent runs as.
# Idempotent: a rebuild replaces what an earlier run installed.
set -eu
umask 022
image_path="${PATH:-}"
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

here="$(cd "$(dirname "$0")" && pwd)"
MODE="${MODE:-nested}"
FIREWALL="${FIREWALL:-enforce}"
ALLOWLIST="${ALLOWLIST:-.devcontainer/allowlist.toml}"
VERSION="${VERSION:-bundled}"
KEEPSUDO="${KEEPSUDO:-false}"
user="${_REMOTE_USER:-}"

LIB=/usr/local/lib/cordon
SHARE=/usr/local/share/cordon
# cordon's own runtime, used when the image has no Node 20+ that only root can
# change (the firewall start runs it as root). Pinned, and checked against the
# npm registry's sha512 before use.
NODE_VERSION=22.23.5
NODE_SHA512_X64=de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233
NODE_SHA512_ARM64=7b52ce506295aee3c6b8b56eb67f3e0a09b9a48d403e6e0abe1fb36dbfea7bf6690fdb3e4d06f2e6252064e5a63e96d22a98f44ddf033f53743449d76ac1e2ce
REGISTRY="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"

say() { printf 'cordon feature: %s\n' "$*"; }
die() {
  printf 'cordon feature: error: %s\n' "$*" >&2
  exit 1
}

# --- options ------------------------------------------------------------------
case "$MODE" in nested | boundary) ;; *) die "option mode='$MODE' is not one of: nested, boundary" ;; esac
case "$FIREWALL" in enforce | off) ;; *) die "option firewall='$FIREWALL' is not one of: enforce, off" ;; esac
case "$KEEPSUDO" in true | false) ;; *) die "option keepSudo='$KEEPSUDO' is not true or false" ;; esac
# The firewall start runs as root and reads this file: it must lie where the
# container cannot write (the Feature mounts .devcontainer/ read-only).
case "$ALLOWLIST" in
  .devcontainer/*) ;;
  *) die "option allowlist='$ALLOWLIST' must be a path inside .devcontainer/ (mounted read-only, so the agent cannot widen its own firewall)" ;;
esac
case "$ALLOWLIST" in
  *..* | *//* | */ | *[!A-Za-z0-9._/-]*) die "option allowlist='$ALLOWLIST': use a plain relative path such as .devcontainer/allowlist.toml (letters, digits, . _ - /; no ..)" ;;
esac
bundled="$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$here/devcontainer-feature.json" | head -n 1)"
[ -n "$bundled" ] || die "devcontainer-feature.json beside install.sh has no version; the Feature package is damaged"
case "$VERSION" in
  bundled | latest | "$bundled") ;;
  *) die "option version='$VERSION': this Feature carries cordon $bundled only; use the Feature tag of the version you want (or version \"bundled\")" ;;
esac
[ -f "$here/cordon.tgz" ] || die "cordon.tgz is missing beside install.sh; build the Feature with 'npm run build' (features/README.md)"

# --- the user the agent runs as -----------------------------------------------
if [ -z "$user" ] || [ "$user" = root ] || [ "$(id -u "$user" 2>/dev/null || echo x)" = 0 ]; then
  die "the remote user is '${user:-unset}': cordon needs a non-root remoteUser (as root the agent could remove the firewall). Set \"remoteUser\" in devcontainer.json to a user the image has, or add one in your Dockerfile."
fi
id -u "$user" >/dev/null 2>&1 || die "the remote user '$user' does not exist in the image; create it before this Feature runs"

# --- OS packages --------------------------------------------------------------
command -v apt-get >/dev/null 2>&1 || die "this Feature supports Debian and Ubuntu based images (apt-get not found)"
say "installing bubblewrap, nftables, sudo and friends (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  bubblewrap nftables iproute2 sudo ca-certificates curl tar gzip git procps >/dev/null
rm -rf /var/lib/apt/lists/*

# --- Node ---------------------------------------------------------------------
# A path every component of which only root can change (owner root, not group-
# or world-writable): otherwise the agent user could replace what root runs.
root_only() {
  p="$(readlink -f "$1")" || return 1
  while :; do
    [ "$(stat -c %u "$p")" = 0 ] || return 1
    case "$(stat -c %A "$p")" in ?????w???? | ????????w?) return 1 ;; esac
    [ "$p" = / ] && return 0
    p="$(dirname "$p")"
  done
}
node_bin=""
if candidate="$(PATH="$image_path:$PATH" command -v node 2>/dev/null)"; then
  major="$("$candidate" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 20 ] 2>/dev/null && root_only "$candidate"; then
    node_bin="$(readlink -f "$candidate")"
    say "using the image's Node $("$node_bin" --version) at $node_bin"
  else
    say "not using $candidate (Node major $major): cordon needs Node 20+ that only root can change"
  fi
fi
if [ -z "$node_bin" ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 sum="$NODE_SHA512_X64" ;;
    aarch64) arch=arm64 sum="$NODE_SHA512_ARM64" ;;
    *) die "no Node 20+ in the image, and cordon's runtime is built for x86_64 and aarch64 only (this is $(uname -m))" ;;
  esac
  url="$REGISTRY/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz"
  say "installing cordon's runtime, Node $NODE_VERSION, from $url"
  tmp="$(mktemp -d)"
  curl -fsSL --retry 3 -o "$tmp/node.tgz" "$url" || die "could not download $url (is the npm registry reachable from the build?)"
  echo "$sum  $tmp/node.tgz" | sha512sum -c --quiet - || die "$url does not match its pinned sha512; refusing to install it"
  rm -rf "$LIB/runtime"
  mkdir -p "$LIB/runtime"
  tar -xzf "$tmp/node.tgz" -C "$LIB/runtime" --strip-components=1 --no-same-owner package/bin/node
  rm -rf "$tmp"
  node_bin="$LIB/runtime/bin/node"
fi

# --- cordon -------------------------------------------------------------------
say "installing cordon $bundled into $LIB"
rm -rf "$LIB/dist" "$LIB/package.json"
mkdir -p "$LIB/bin" "$SHARE"
tar -xzf "$here/cordon.tgz" -C "$LIB" --no-same-owner
# The Feature itself, so `cordon init` in this container can write it into a repository.
mkdir -p "$LIB/dist/feature/cordon"
cp "$here/devcontainer-feature.json" "$here/install.sh" "$here/cordon.tgz" "$LIB/dist/feature/cordon/"
ln -sfn "$node_bin" "$LIB/bin/node"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$LIB/bin/node" "$LIB/dist/bundle/agent/cli/cordon.cjs" >/usr/local/bin/cordon
chmod 0755 /usr/local/bin/cordon
install -m 0755 "$LIB/dist/bundle/feature/init-firewall.sh" /usr/local/bin/init-firewall.sh
chown -R root:root "$LIB" "$SHARE"
chmod -R go-w "$LIB" "$SHARE"

# What the firewall start and cordon read: root-owned, written at build time
# from the options, never from the caller's environment.
cat >"$SHARE/feature.env" <<EOF
CORDON_CONTAINER_MODE=$([ "$MODE" = nested ] && echo nested-sandbox || echo container-boundary)
CORDON_FIREWALL_MODE=$FIREWALL
CORDON_ALLOWLIST=$SHARE/workspace/$ALLOWLIST
CORDON_NODE=$LIB/bin/node
EOF
chmod 0644 "$SHARE/feature.env"

# --- users and sudo -----------------------------------------------------------
id -u cordon-dns >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cordon-dns
printf '%s\n' \
  "Defaults:$user env_reset" \
  "$user ALL=(root) NOPASSWD: /usr/local/bin/init-firewall.sh \"\"" >/etc/sudoers.d/cordon-firewall
chmod 0440 /etc/sudoers.d/cordon-firewall
visudo -cf /etc/sudoers.d/cordon-firewall >/dev/null || die "the sudo rule for $user does not parse"

# Base images often give their user passwordless sudo for everything, which
# would let the agent turn the firewall off. Such files are moved aside.
if [ "$KEEPSUDO" = false ]; then
  groups_of="$(id -Gn "$user")"
  for f in /etc/sudoers.d/*; do
    [ -f "$f" ] && [ "$f" != /etc/sudoers.d/cordon-firewall ] || continue
    grep -q NOPASSWD "$f" || continue
    hit=false
    grep -Eq "^[[:space:]]*$user[[:space:]]" "$f" && hit=true
    for g in $groups_of; do grep -Eq "^[[:space:]]*%$g[[:space:]]" "$f" && hit=true; done
    grep -Eq "^[[:space:]]*ALL[[:space:]]" "$f" && hit=true
    if [ "$hit" = true ]; then
      mkdir -p "$SHARE/sudoers-disabled"
      mv "$f" "$SHARE/sudoers-disabled/"
      say "moved $f to $SHARE/sudoers-disabled/: it gave $user passwordless sudo beyond the firewall start"
    fi
  done
  extra="$(sudo -l -U "$user" 2>/dev/null | grep NOPASSWD | grep -v '/usr/local/bin/init-firewall.sh ""' || true)"
  [ -z "$extra" ] || die "$user can still sudo without a password beyond the firewall start (from /etc/sudoers itself?):
$extra
Remove that rule, or set the Feature option keepSudo to true to accept that the agent can turn the firewall off."
fi

"$LIB/bin/node" "$LIB/dist/bundle/agent/cli/cordon.cjs" --version >/dev/null || die "cordon does not start with $node_bin"
say "done: cordon $bundled, mode $MODE, firewall $FIREWALL ($ALLOWLIST), agent user $user"
