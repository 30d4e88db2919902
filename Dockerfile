# The Headroom exporter (headroom serve: metrics, API, webhook scaler); the `fleet` stage is the demo fleet.
# Build context: the repository root. `docker-compose up` builds the last stage as the `exporter` service
# and the `fleet` stage (target: fleet) as the `fleet` service.
# The image holds compiled JavaScript and production dependencies only: no TypeScript, no tsx.
# (exporter/test/image.test.ts builds the same file tree and runs the CLI from it.)

# Production dependencies. --ignore-scripts skips the root `prepare` (the build needs dev tools);
# better-sqlite3's own install script then fetches a prebuilt binary, or compiles it with this toolchain.
FROM node:20-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/contract/package.json packages/contract/
COPY exporter/package.json exporter/
COPY demo/package.json demo/
COPY grafana-plugin/package.json grafana-plugin/
RUN npm ci --workspace exporter --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3

# The compiled exporter and its contract package (esbuild: TypeScript to ES modules).
FROM node:20-slim AS compile
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contract/package.json packages/contract/
COPY exporter/package.json exporter/
COPY demo/package.json demo/
COPY grafana-plugin/package.json grafana-plugin/
RUN npm ci --workspace exporter --ignore-scripts --no-audit --no-fund
COPY packages/contract packages/contract
COPY exporter/scripts exporter/scripts
COPY exporter/src exporter/src
RUN npm run build -w exporter
COPY demo/src demo/src
RUN npm run build -w @headroom/demo

# The demo fleet (demo/): one file bundled by esbuild (`npm run build -w @headroom/demo`, with the exporter's
# load curve from its TypeScript source), no dependency outside Node. Not part of the product image.
FROM node:20-slim AS fleet
WORKDIR /app
COPY --from=compile /app/demo/dist/fleet.js ./
USER node
EXPOSE 9779
ENTRYPOINT ["node", "fleet.js"]

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# package.json files and node_modules (the root's and whatever npm did not hoist).
COPY --from=deps /app /app
COPY --from=compile /app/packages/contract/dist packages/contract/dist
COPY --from=compile /app/exporter/dist exporter/dist
COPY exporter/bin exporter/bin
COPY headroom.yml ./
RUN mkdir -p /var/lib/headroom && chown node:node /var/lib/headroom
USER node
EXPOSE 9778
# The webhook token comes from HEADROOM_WEBHOOK_TOKEN (scaler.token_env of the policy).
ENTRYPOINT ["node", "exporter/bin/headroom.js"]
CMD ["serve", "--config", "/etc/headroom/headroom.yml", "--listen", "0.0.0.0:9778"]
