# One image for the bot and the workers, made of Debian trixie's own packages: Node.js 20.19, bubblewrap 0.12,
# Python 3.13 with python3-seccomp (which builds the sandbox's filter; learners' code runs in the userlands below),
# fonts for the timeline pictures, tini.
# BASE_IMAGE is Debian trixie: the registry's debian:trixie-slim by default; where no registry can be reached,
# a local image made with debootstrap (test/docker/stand-in-base.sh builds one and labels it a test stand-in).
ARG BASE_IMAGE=debian:trixie-slim

# --- npm dependencies (production only), with Debian's npm, which the final image leaves out ----------------
FROM ${BASE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A registry reached through a TLS-inspecting proxy: put the proxy's CA bundle in docker/build-ca/extra-ca.crt
# (git-ignored; see docker/build-ca/README.md). It is trusted for `npm ci` only and never reaches the final image.
COPY docker/build-ca/ /tmp/build-ca/
WORKDIR /app
COPY package.json package-lock.json ./
RUN if [ -f /tmp/build-ca/extra-ca.crt ]; then export NODE_EXTRA_CA_CERTS=/tmp/build-ca/extra-ca.crt; fi \
 && npm ci --omit=dev --no-audit --no-fund --loglevel=warn

# --- Python userlands: the system trees learners' code runs in (3.11 from bookworm; 3.13, 3.14, 3.15 from sid) --
# `loopy pythons install` runs debootstrap (it needs the build's network to Debian's mirrors: docker build
# --network host where the default bridge has none) and probes each interpreter with chroot, which a build step
# allows. About 1.5 minutes and 410 MB; the final image copies the result.
FROM ${BASE_IMAGE} AS pythons
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs debootstrap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
RUN node --import tsx src/cli.ts pythons install --dir /var/lib/loopy/pythons

# --- the image -----------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs bubblewrap python3-minimal libpython3-stdlib python3-seccomp \
      fonts-dejavu-core tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 1000 --user-group --home-dir /app --shell /usr/sbin/nologin node
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=pythons /var/lib/loopy/pythons /var/lib/loopy/pythons
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY content ./content
COPY docker/worker-entrypoint.sh /usr/local/bin/worker-entrypoint.sh
COPY docker/healthcheck.mjs /usr/local/lib/loopy-healthcheck.mjs
# HEALTH_PORT serves /healthz, /readyz and /metrics; Docker's health check asks /healthz.
ENV NODE_ENV=production LOOPY_PYTHONS_DIR=/var/lib/loopy/pythons LOOPY_DATA_DIR=/tmp/loopy HEALTH_PORT=9100
EXPOSE 9100
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/usr/local/lib/loopy-healthcheck.mjs", "/healthz"]
# The bot runs as the unprivileged "node" user. The worker service overrides this (see docker-compose.yml):
# it starts as root to mount its control groups and each run's scratch, and every sandbox then runs as an
# unprivileged uid of its own.
USER node
# Node itself, not npx: tini hands SIGTERM straight to the process that shuts down gracefully.
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts"]
