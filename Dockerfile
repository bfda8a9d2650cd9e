# pq-crypto-api: runs the TypeScript sources directly with tsx (a runtime dependency), no build step.
FROM node:22-slim

WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080

# Dependencies first, so this layer is cached until the lock file changes. tsx is in
# "dependencies", so --omit=dev keeps it and drops only typescript and the @types packages.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src

USER node
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is PID 1 (no npm or shell in between), so SIGTERM reaches the graceful shutdown.
CMD ["node", "--import", "tsx", "src/main.ts"]
