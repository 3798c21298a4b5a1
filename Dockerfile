# One image for the bot and the workers. Debian bookworm pins the Python that runs learners' code (3.11).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap fonts-dejavu-core python3.11-minimal libpython3.11-stdlib python3-seccomp tini \
 && ln -sf /usr/bin/python3.11 /usr/bin/python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY content ./content
COPY docker/worker-entrypoint.sh /usr/local/bin/worker-entrypoint.sh
COPY docker/healthcheck.mjs /usr/local/lib/loopy-healthcheck.mjs
# HEALTH_PORT serves /healthz, /readyz and /metrics; Docker's health check asks /healthz.
ENV NODE_ENV=production LOOPY_PYTHON=/usr/bin/python3 LOOPY_DATA_DIR=/tmp/loopy HEALTH_PORT=9100
EXPOSE 9100
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/usr/local/lib/loopy-healthcheck.mjs", "/healthz"]
# The bot runs as the unprivileged "node" user. The worker service overrides this (see docker-compose.yml):
# it starts as root only to set up its control group, and every sandbox then runs as uid 65534.
USER node
# Node itself, not npx: tini hands SIGTERM straight to the process that shuts down gracefully.
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts"]
