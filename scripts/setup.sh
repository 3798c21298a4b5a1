#!/usr/bin/env bash
# `npm run setup`: everything Loopy needs on a Debian/Ubuntu machine, installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1mloopy setup:\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $* (install sudo or run this as root)"; exit 1; fi
}

missing=()
reasons=()
if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
  missing+=(redis-server); reasons+=("redis-server: the queue and all state live in Redis; without REDIS_URL Loopy starts a private one")
fi
if ! command -v bwrap >/dev/null; then
  missing+=(bubblewrap); reasons+=("bubblewrap: every /run executes inside a bubblewrap sandbox (namespaces, no network)")
fi
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  missing+=(fonts-dejavu-core); reasons+=("fonts-dejavu-core: the font of the event-loop timeline pictures /run replies carry")
fi
if [ ! -x /usr/bin/python3 ]; then
  missing+=(python3); reasons+=("python3: the interpreter that runs learners' code (a real binary, not a version-manager shim)")
fi
if ! command -v debootstrap >/dev/null && [ ! -x /usr/sbin/debootstrap ]; then
  missing+=(debootstrap); reasons+=("debootstrap: builds the minimal Debian userlands holding the Pythons learners' code runs on")
fi
if ! /usr/bin/python3 -I -c "import seccomp" 2>/dev/null; then
  missing+=(python3-seccomp); reasons+=("python3-seccomp: builds the sandbox's seccomp filter (libseccomp); without it no sandbox starts")
fi

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    for reason in "${reasons[@]}"; do say "installing $reason"; done
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "please install: ${missing[*]} (this is not a Debian/Ubuntu machine, so I will not guess the package manager)"
    for reason in "${reasons[@]}"; do say "  $reason"; done
    exit 1
  fi
else
  say "system packages present: redis-server, bubblewrap, fonts-dejavu-core, /usr/bin/python3, python3-seccomp, debootstrap"
fi

say "installing npm dependencies"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
[ -f .env ] || { cp .env.example .env; say "created .env from .env.example (edit it to add DISCORD_TOKEN)"; }

# The Pythons runs use (3.11 from Debian bookworm; 3.13, 3.14, 3.15 from sid), built once per machine and
# shared by every checkout. Asked about when a person is at the terminal; done without asking otherwise (CI).
loopy() { as_root "$(command -v node)" bin/loopy.js "$@"; }
if loopy pythons >/dev/null 2>&1 && [ -z "$(loopy pythons | grep '^Not installed')" ]; then
  say "Pythons present: $(loopy pythons | awk '$1 ~ /^3\./ {printf "%s ", $2}')"
else
  build=yes
  if [ -t 0 ] && [ -t 1 ]; then
    read -r -p "$(printf '\033[1mloopy setup:\033[0m build the Python userlands now (Debian packages from deb.debian.org; about 1.5 min and 420 MB)? [Y/n] ')" answer
    case "$answer" in [nN]*) build=no ;; esac
  fi
  if [ "$build" = yes ]; then
    say "building the Python userlands runs use (npx loopy pythons install)"
    loopy pythons install
  else
    say "skipped: /run and the tests need them; build them later with: sudo npx loopy pythons install"
  fi
fi
say "done. Start Loopy with: npm start   (without DISCORD_TOKEN it opens the local console)"
