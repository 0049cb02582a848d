# Production image of the `tributary` command: agent, hub, validate, log tools, sim-devices.
#   docker build -t tributary .
#   docker run --rm tributary --version
# docker-compose.yml runs a hub, two agents, simulated sensors and an edge broker from it.

# --- toolchain: better-sqlite3 and serialport compile from source where no prebuilt binary fits (arm64)
FROM node:20-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# --- build: every dependency, then the TypeScript build (and the dashboard bundle once it exists)
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# the rest of the sources (.dockerignore keeps node_modules, dist, tests and secrets out)
COPY . .
RUN npm run build \
 && rm -rf dist/test dist/bench \
 && find dist -name '*.map' -delete

# --- production dependencies only, compiled for this platform
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: no compiler, no dev dependencies, not root
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    TRIBUTARY_DATA_DIR=/var/lib/tributary
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY flows ./flows
COPY package.json ./
# dialout: serial devices passed in with `--device /dev/ttyUSB0` (compose: `devices:`) belong to it.
# The data dir is created here so a new named volume starts out owned by the tributary user.
RUN groupadd --system --gid 10001 tributary \
 && useradd --system --uid 10001 --gid tributary --groups dialout --home-dir /var/lib/tributary --no-create-home \
      --shell /usr/sbin/nologin tributary \
 && install -d -o tributary -g tributary -m 0750 /var/lib/tributary \
 && ln -s /app/bin/tributary.js /usr/local/bin/tributary
USER tributary
VOLUME ["/var/lib/tributary"]
# Node installs its SIGTERM handlers itself (agent and hub stop cleanly), so it can run as PID 1.
ENTRYPOINT ["tributary"]
CMD ["--help"]
