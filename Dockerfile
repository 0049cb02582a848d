# Production image of the tributary command (agent now; hub with the forwarding issue).
# Build stage: compiles TypeScript and the native modules (better-sqlite3, serialport).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/flows ./flows
COPY package.json ./
# dialout: serial ports passed in with --device belong to it.
RUN useradd --system --home /var/lib/tributary --groups dialout tributary && mkdir -p /var/lib/tributary && chown tributary /var/lib/tributary
USER tributary
VOLUME ["/var/lib/tributary"]
ENTRYPOINT ["node", "/app/bin/tributary.js"]
CMD ["--help"]
