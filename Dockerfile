# syntax=docker/dockerfile:1.7
# Build: Go with cgo (mattn/go-sqlite3), plus Litestream from the module proxy.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/tailor ./cmd/tailor
RUN GOBIN=/out go install github.com/benbjohnson/litestream/cmd/litestream@v0.5.18

# Run: Debian's Chromium and fonts for PDFs; no network needed at render time.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates chromium fonts-liberation fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/tailor /out/litestream /usr/local/bin/
COPY litestream.yml /etc/litestream.yml
COPY <<'SH' /usr/local/bin/tailor-entrypoint
#!/bin/sh
# With a bucket configured, restore an empty volume from the replica and run
# Tailor under Litestream; without one, run Tailor alone.
set -e
if [ -n "$BUCKET_NAME" ] && [ "${1:-serve}" != "worker" ]; then
  litestream restore -if-db-not-exists -if-replica-exists "$DATABASE_PATH"
  exec litestream replicate -exec "tailor $*"
fi
exec tailor "$@"
SH
RUN chmod +x /usr/local/bin/tailor-entrypoint && mkdir -p /data
ENV DATABASE_PATH=/data/tailor.db CHROME_PATH=/usr/bin/chromium
# METRICS_ADDR (metrics and Go profiles) stays on its loopback default in the
# image: fly.toml sets METRICS_ADDR=:9091 for Fly's scraper on the private 6PN
# network; elsewhere set it to an address only your scraper can reach.
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/tailor-entrypoint"]
CMD ["serve"]
