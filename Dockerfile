# One image for the bot and the workers. Debian bookworm pins the Python that runs learners' code (3.11).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap python3.11-minimal libpython3.11-stdlib tini \
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
ENV NODE_ENV=production LOOPY_PYTHON=/usr/bin/python3 LOOPY_DATA_DIR=/tmp/loopy
# The bot runs as the unprivileged "node" user. The worker service overrides this (see docker-compose.yml):
# it starts as root only to set up its control group, and every sandbox then runs as uid 65534.
USER node
ENTRYPOINT ["tini", "--"]
CMD ["npx", "tsx", "src/main.ts"]
