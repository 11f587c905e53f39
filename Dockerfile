# syntax=docker/dockerfile:1.7
# Build: Go with cgo (mattn/go-sqlite3), plus Litestream, both stripped.
# Base images are pinned to exact versions; tests/dockerfile rules: deploy/dockerfile_test.go.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/tailor ./cmd/tailor
RUN CGO_ENABLED=1 GOBIN=/out go install -trimpath -ldflags='-s -w' github.com/benbjohnson/litestream/cmd/litestream@v0.5.18

# Run: Debian's Chromium headless shell and fonts for PDFs (Noto CJK and
# colour emoji so Chinese, Japanese, Korean names and emoji print); no network
# at render time. The headless shell, not the full browser: it prints a resume
# in ~25 ms where the full browser's headless mode takes ~300 ms (pdf/pool.go).
FROM debian:12.11-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates chromium-headless-shell fonts-liberation fonts-dejavu-core \
      fonts-noto-cjk fonts-noto-color-emoji tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/tailor --shell /usr/sbin/nologin tailor \
 && mkdir -p /data \
 && chown tailor:tailor /data
COPY --from=build /out/tailor /out/litestream /usr/local/bin/
COPY litestream.yml /etc/litestream.yml
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/tailor-entrypoint
ENV DATABASE_PATH=/data/tailor.db CHROME_PATH=/usr/bin/chromium-headless-shell
# METRICS_ADDR (metrics and Go profiles) stays on its loopback default in the
# image: fly.toml sets it to the private 6PN address for Fly's scraper.
EXPOSE 8080
# No HEALTHCHECK: Fly ignores it and checks /healthz and /readyz from fly.toml,
# and the same image runs `tailor worker`, which serves no HTTP.
#
# root at start, on purpose: Fly mounts a volume owned by root with no owner
# option (https://github.com/superfly/flyctl/issues/632), so the entrypoint
# first gives /data to the tailor user, then drops root for good (setpriv, no
# capabilities) before Litestream or Tailor starts. Nothing runs as root after.
USER root
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/tailor-entrypoint"]
CMD ["serve"]
