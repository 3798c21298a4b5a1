#!/usr/bin/env bash
# What `npm run test:docker` needs on a Debian machine, each part installed or started only when missing, and
# said when it is: a Docker engine (Debian's docker.io, dockerd started in the background), debootstrap (for the
# test stand-in base image), and Docker Compose v2 (`docker compose`; bookworm packages only Compose v1, so the
# plugin comes from Debian trixie's docker-compose package, fetched by apt-get inside the stand-in base image).
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf '\033[1mdocker test setup:\033[0m %s\n' "$*"; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (Debian packages: the Docker engine, and debootstrap for the stand-in base image)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  say "starting dockerd in the background (log: /var/log/loopy-dockerd.log)"
  setsid dockerd >/var/log/loopy-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start:"; tail -20 /var/log/loopy-dockerd.log; exit 1; }
fi

bash test/docker/stand-in-base.sh

if ! docker compose version >/dev/null 2>&1; then
  plugins=/usr/local/lib/docker/cli-plugins
  say "installing Docker Compose v2 into $plugins from Debian trixie's docker-compose package"
  mkdir -p "$plugins"
  docker run --rm --network host -v "$plugins:/out" loopy-test-stand-in/debian:trixie-minbase sh -ec '
    apt-get update -qq && cd /tmp && apt-get download -qq docker-compose && dpkg-deb -x docker-compose_*.deb pkg
    cp pkg/usr/libexec/docker/cli-plugins/docker-compose /out/docker-compose'
  docker compose version
fi
