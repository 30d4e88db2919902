# The Headroom exporter (headroom serve: metrics, API, webhook scaler) and the demo fleet.
# Build context: the repository root. `docker-compose up` builds it as the `exporter` and `fleet` services.
FROM node:20-slim AS deps
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary; the toolchain is the fallback when none matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY exporter/package.json exporter/
COPY grafana-plugin/package.json grafana-plugin/
RUN npm ci --workspace exporter --omit=dev --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# node_modules of the root and of the workspace (whatever npm did not hoist).
COPY --from=deps /app /app
COPY exporter/bin exporter/bin
COPY exporter/src exporter/src
COPY headroom.yml ./
RUN mkdir -p /var/lib/headroom && chown node:node /var/lib/headroom
USER node
EXPOSE 9778
# The webhook token comes from HEADROOM_WEBHOOK_TOKEN (scaler.token_env of the policy).
ENTRYPOINT ["node", "exporter/bin/headroom.js"]
CMD ["serve", "--config", "/etc/headroom/headroom.yml", "--listen", "0.0.0.0:9778"]
