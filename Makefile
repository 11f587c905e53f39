# Tailor's commands. `make help` lists them.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: redis-server for tests and REDIS_URL set-ups, Chromium's
# headless shell and fonts to print PDFs (the shell prints ~10x faster than
# the full browser's headless mode; the browser tests drive it too),
# poppler-utils (pdftotext) to read them back in tests.
APT_PACKAGES := redis-server chromium-headless-shell fonts-liberation fonts-dejavu-core poppler-utils
# The Litestream the image ships and the restore drill's tests run.
LITESTREAM_VERSION := v0.5.18

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## Install missing system packages (Debian; apt-get as root or with sudo)
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	{ command -v chromium-headless-shell >/dev/null || [ -n "$$CHROME_PATH" ]; } || missing="$$missing chromium-headless-shell"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	[ -e /usr/share/fonts/truetype/liberation ] || missing="$$missing fonts-liberation"; \
	[ -e /usr/share/fonts/truetype/dejavu ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null; then echo "Please install:$$missing"; exit 1; fi; \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# litestream for the restore drill's tests (tailor drill); a Go build, about 80 s, once per machine.
	@command -v litestream >/dev/null || [ -x "$$($(GO) env GOPATH)/bin/litestream" ] || { \
		echo "Installing litestream $(LITESTREAM_VERSION) into $$($(GO) env GOPATH)/bin (about 80 s, once)"; \
		$(GO) install github.com/benbjohnson/litestream/cmd/litestream@$(LITESTREAM_VERSION); }

# Litestream, pinned as in the Dockerfile: the deploy tests and make drill run it.
LITESTREAM_VERSION := v0.5.18
GOBIN_DIR := $(shell $(GO) env GOBIN)
ifeq ($(GOBIN_DIR),)
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
endif

.PHONY: litestream
litestream: ## Install Litestream v0.5.18 (pinned) with go install (module proxy only), if missing
	@command -v litestream >/dev/null || [ -x "$(GOBIN_DIR)/litestream" ] || { \
		echo "Installing litestream $(LITESTREAM_VERSION) into $(GOBIN_DIR) (about a minute, once)"; \
		$(GO) install -trimpath -ldflags='-s -w' github.com/benbjohnson/litestream/cmd/litestream@$(LITESTREAM_VERSION); }

.PHONY: run
run: deps ## Start the whole app on the embedded defaults (http://localhost:8080)
	$(GO) run ./cmd/tailor serve

.PHONY: test
test: deps litestream ## Run every test (real SQLite, redis-server, Chrome; fake LLM on loopback)
	$(GO) test -count=1 -timeout 12m ./...

.PHONY: test-short
test-short: ## The inner loop (~20 s): unit tests only; those that need Chrome, redis-server, pdftotext or the built binary skip
	$(GO) test -short -count=1 ./...

.PHONY: screenshots
screenshots: deps ## Screenshot every page at 1280 and 390 px into test-artifacts/screenshots/ (the 360 px page tour, ~1 min)
	SCREENSHOTS=1 $(GO) test -count=1 -run '^TestEveryPage$$' ./cmd/tailor/

.PHONY: bench
bench: deps ## Measure the real app against its performance targets, printed beside each figure (~6 min); BENCH_FLAGS=-quick, -profile, -only ...
	$(GO) run ./bench $(BENCH_FLAGS)

.PHONY: bench-compare
bench-compare: ## Compare two bench results: make bench-compare A=bench/results/X.json B=bench/results/Y.json
	$(GO) run ./bench compare $(A) $(B)

.PHONY: chaos
chaos: deps ## Fault scenarios on the real app (~3.5 min): lost and duplicated must be 0; CHAOS_FLAGS=-only sigkill,... -kills N
	$(GO) run ./bench chaos $(CHAOS_FLAGS)

.PHONY: chaos-quick
chaos-quick: deps ## make chaos with half the jobs and one worker kill (~2 min)
	$(GO) run ./bench chaos -quick $(CHAOS_FLAGS)

.PHONY: drill
drill: deps litestream ## Restore drill (~10 min): 20 kill -9 restarts under Litestream, then a lost volume; corrupt replicas must be 0; DRILL_FLAGS=-cycles N -candidates entrypoint
	$(GO) run ./bench drill $(DRILL_FLAGS)

.PHONY: microbench
microbench: deps ## Go benchmarks: warm PDF per theme, submit->succeeded in-process
	$(GO) test -run '^$$' -bench . -benchtime 50x -timeout 10m ./resume/themes/ ./jobs/ ./handlers/

.PHONY: lint
lint: ## gofmt, go vet, staticcheck and a check that generated templ code is current
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) tool templ generate >/dev/null
	@git diff --exit-code --stat -- '*_templ.go' || { echo "generated templ code is stale: run make generate and commit"; exit 1; }

.PHONY: generate
generate: ## Regenerate templ components
	$(GO) tool templ generate

.PHONY: build
build: ## Build bin/tailor
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags='-s -w' -o bin/tailor ./cmd/tailor
