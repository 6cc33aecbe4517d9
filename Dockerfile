# cmetrics-proxy image: the esbuild bundle (no node_modules) and the LICENSE on Node 24 slim, run as
# a non-root numeric user so that runAsNonRoot can verify it. The Node version matches the one the
# tests run on (package.json's devDependency `node`; test/deploy/dockerfile.test.ts checks both).
#   docker build -t cmetrics-proxy:0.1.0 .

FROM node:24.21.0-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY cmd ./cmd
COPY proxy ./proxy
COPY plugin ./plugin
COPY shared ./shared
COPY scripts ./scripts
RUN npm run build

FROM node:24.21.0-slim
LABEL org.opencontainers.image.title="cmetrics-proxy" \
      org.opencontainers.image.source="https://github.com/cmetrics/cmetrics" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/dist/cmetrics-proxy.js ./dist/cmetrics-proxy.js
COPY LICENSE ./LICENSE
USER 65532:65532
EXPOSE 6443
# A young generation of at most 3 x 4 MiB instead of V8's 3 x 16 MiB: every answer is garbage once
# written, and the default lets it pile up to ~48 MiB of RSS under load (docs/performance.md).
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cmetrics-proxy.js"]
