# syntax=docker/dockerfile:1
# tti-bridge production image (see docs/deployment.md).
#
#   docker build -t tti-bridge .
#   docker run --rm -p 3000:3000 -e ISSUER=https://idp.example.com \
#     -e DATABASE_URL=postgres://... -e SECRET_KEY_FILE=/run/secrets/secret_key ... tti-bridge
#   docker run --rm -e DATABASE_URL=... -e SECRET_KEY_FILE=... tti-bridge tti-bridge tenants list
#
# Stages: `toolchain` (Node + a C toolchain for argon2's native addon), `build` (all
# dependencies, `prisma generate`, `tsc`), `prod-deps` (production dependencies only, no
# install scripts except argon2's) and the runtime image, which holds dist/, the
# production node_modules and the few files read at run time - and nothing from src/
# except the sandbox's demo fixture.

# Node 22 LTS, pinned by major.minor; bump deliberately.
ARG NODE_VERSION=22.22

FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# --- build: dev dependencies, generated Kysely row types, compiled dist/ ------------------
FROM toolchain AS build
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# postinstall runs `prisma generate`, writing the Kysely row types to src/db/generated
# (TypeScript, compiled with the rest of src/; they are types only, so nothing to ship).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && test -f dist/src/main.js \
 && test -f dist/src/cli/main.js \
 && test -f dist/src/db/database.js

# --- prod-deps: production dependencies without install scripts --------------------------
# Install scripts are skipped (embedded-postgres's, and prisma generate: dev-only);
# only argon2's native addon is built (from its prebuild, or compiled here).
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild argon2 \
 && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini reaps zombies and forwards signals; main.ts shuts down gracefully on SIGTERM.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Application files belong to root and are read-only for the `node` user that runs them.
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root --from=prod-deps /app/node_modules ./node_modules
COPY --chown=root:root --from=build /app/dist ./dist
# Read at run time relative to dist/: migrations (src/db/migrate.ts), page templates
# (src/http/views.ts) and the sandbox's demo fixture (src/sandbox/demo.ts).
COPY --chown=root:root prisma/migrations ./prisma/migrations
COPY --chown=root:root views ./views
COPY --chown=root:root src/sandbox/fixtures ./src/sandbox/fixtures
COPY --chown=root:root bin ./bin
RUN chmod 0755 bin/tti-bridge.js \
 && ln -s /app/bin/tti-bridge.js /usr/local/bin/tti-bridge \
 && mkdir -p /data \
 && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
# Applies pending migrations (advisory-locked, idempotent), then serves.
CMD ["node", "dist/src/main.js"]
