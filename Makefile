# The two commands a newcomer needs: `make run` and `make test`. Everything else is installed by them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The official socket.io-client, for the tests that drive it against a live server.
JS_DIR := tests/js
JS_STAMP := $(JS_DIR)/node_modules/.installed
NPM ?= npm
# The web UI: frontend/ is built by Vite into the package's static folder; `npm ci` runs when the
# lock file changes, `npm run build` when a source does.
UI_DIR := frontend
UI_NPM_STAMP := $(UI_DIR)/node_modules/.installed
UI_BUILD := src/sora2/static/index.html
# The UI's API types, generated from the OpenAPI document by `make types` (committed: the build
# needs them, and a test fails when they are stale).
API_TYPES := $(UI_DIR)/src/api.gen.ts
UI_SOURCES := $(shell find $(UI_DIR)/src $(UI_DIR)/public -type f 2>/dev/null) \
	$(addprefix $(UI_DIR)/,index.html vite.config.ts tsconfig.json package.json)
# The browser tests drive the system's Chromium (Debian's package), never a downloaded one.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PYTEST_ARGS ?=
# One xdist worker more than there are cores: the tests wait on servers, sockets and subprocesses
# part of the time, and a third worker fills those gaps on 2 cores (measured on tests/integration/
# api: -n 3 192 s vs -n 2 233 s at a load of ~8; at a load of ~15 the two were even). Override with
# `make test PYTEST_WORKERS=2`. pytest's own exit status fails the target, 5 (no test collected)
# included.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
BENCH_ARGS ?=

.PHONY: install ui types run test coverage bench screenshots mcp-transcript check lint typecheck format clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## install: create .venv, install the platform with its development tools, build the web UI
install: $(STAMP) $(UI_BUILD)

$(UI_NPM_STAMP): $(UI_DIR)/package.json $(UI_DIR)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "npm (Node.js 20.19+) is needed to build the web UI"; exit 1; }
	cd $(UI_DIR) && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $(UI_NPM_STAMP)

## ui: build the web UI into src/sora2/static/ (only when its sources changed)
ui: $(UI_BUILD)

$(UI_BUILD): $(UI_NPM_STAMP) $(UI_SOURCES)
	cd $(UI_DIR) && $(NPM) run build --silent
	@touch $(UI_BUILD)

## types: regenerate frontend/src/api.gen.ts from the API's OpenAPI document (after a schema change)
types: $(STAMP) $(UI_NPM_STAMP)
	set -o pipefail; $(BIN)/python -m sora2.api.openapi \
		| $(UI_DIR)/node_modules/.bin/openapi-typescript > $(VENV)/api.gen.ts.tmp
	mv $(VENV)/api.gen.ts.tmp $(API_TYPES)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y chromium

# The benchmarks' peers and load generator (Debian packages, like Chromium above).
BENCH_TOOLS := /usr/sbin/nginx /usr/bin/wrk /usr/bin/curl

$(BENCH_TOOLS):
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y nginx wrk curl

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $(JS_STAMP)

## run: serve the platform with the built-in simulator on http://localhost:3000
run: install
	$(BIN)/sora2 serve

## test: run the whole test suite (SQLite and PostgreSQL)
test: install $(JS_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=20 $(PYTEST_ARGS)

## coverage: the same suite with line and branch coverage (fails under 80 %; about 12 % slower)
coverage: install $(JS_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal --cov=sora2 --cov-report=term:skip-covered $(PYTEST_ARGS)

## bench: run the benchmarks (< 15 min on 2 cores), print the table, update docs/performance.md
bench: install $(BENCH_TOOLS)
	$(BIN)/python -m bench $(BENCH_ARGS)

## screenshots: regenerate docs/ui/*.png (a live server with sample videos, in Chromium)
screenshots: install $(CHROMIUM)
	$(BIN)/python -m tests.e2e.screenshots

## mcp-transcript: regenerate the recorded MCP session in docs/mcp.md (a live server, `sora2 mcp`)
mcp-transcript: install
	$(BIN)/python -m tests.integration.mcp.transcript

## lint: ruff lint and format check
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check --force-exclude src tests bench

## typecheck: mypy --strict
typecheck: install
	$(BIN)/mypy

## check: everything CI should be proud of
check: lint typecheck test

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov dist build
	rm -rf $(UI_DIR)/node_modules src/sora2/static
