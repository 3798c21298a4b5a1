#!/usr/bin/env bash
# A TEST STAND-IN for the registry image debian:trixie-slim, for machines that cannot pull from a registry:
# Debian trixie's minimal base system made from Debian's own packages (debootstrap --variant=minbase) and
# imported as a local image. The Dockerfile builds on it exactly as on debian:trixie-slim (BASE_IMAGE=...).
# An image of that name that already exists is reused, so the ~1 minute of debootstrap is paid once per machine.
# Usage: test/docker/stand-in-base.sh [IMAGE]   (default loopy-test-stand-in/debian:trixie-minbase)
set -euo pipefail
image=${1:-loopy-test-stand-in/debian:trixie-minbase}
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "stand-in base: reusing $image"
  exit 0
fi
root=$(mktemp -d /var/tmp/loopy-stand-in.XXXXXX)
trap 'rm -rf "$root" "$root.log"' EXIT
echo "stand-in base: debootstrap --variant=minbase trixie (Debian's packages), then docker import as $image"
debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >"$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
rm -f "$root.log"
# Like debian:trixie-slim: deb822 sources with the updates and security suites; no package lists or caches
# (the Dockerfile runs apt-get update itself).
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'LABEL org.opencontainers.image.description="TEST STAND-IN for debian:trixie-slim: debootstrap --variant=minbase trixie, imported locally (test/docker/stand-in-base.sh)"' \
  - "$image" >/dev/null
echo "stand-in base: built $image"
