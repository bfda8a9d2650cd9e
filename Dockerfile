# pq-crypto-api: compiled JavaScript on Node 24 (native ML-KEM/ML-DSA in node:crypto).
# Build: docker build -t pq-crypto-api .   Run: see docker-compose.yml and docs/operations.md.

# --- build: compile src/ to dist/ with the dev dependencies (typescript) ---------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" would build before the sources are here; it is run below.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build:dist

# --- runtime: production dependencies and dist/ only ----------------------------------------
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist

USER node
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is PID 1 (no npm, shell or loader in between), so SIGTERM reaches the graceful
# shutdown: SHUTDOWN_DRAIN_MS (3 s in production) + requests in flight (SHUTDOWN_TIMEOUT_MS, 5 s)
# fits in docker stop's default 10 s; give a longer grace (docker stop -t, stop_grace_period,
# terminationGracePeriodSeconds) if you raise them.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
