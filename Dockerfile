# cmetrics-proxy image: what `npm run image` builds (scripts/image.ts), from scratch: the proxy as a
# Node single executable application at /usr/local/bin/cmetrics-proxy, the C and C++ runtime
# libraries Node links, the CA certificates, /etc/passwd naming the user 65532, no shell. The
# build stage's Node is the one the tests run on (package.json's devDependency `node`;
# test/deploy/dockerfile.test.ts checks both); scripts/image.ts --rootfs fetches the same Node for
# the executable and lays the root filesystem out.
#   docker build -t cmetrics-proxy:0.1.0 .

FROM node:24.21.0-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json LICENSE ./
COPY cmd ./cmd
COPY proxy ./proxy
COPY plugin ./plugin
COPY shared ./shared
COPY scripts ./scripts
RUN node scripts/image.ts --rootfs /rootfs

FROM scratch
LABEL org.opencontainers.image.title="cmetrics-proxy" \
      org.opencontainers.image.source="https://github.com/cmetrics/cmetrics" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /rootfs/ /
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
EXPOSE 6443
ENTRYPOINT ["/usr/local/bin/cmetrics-proxy"]
