# The two commands a newcomer needs: `make run` and `make test`. Everything else is installed by them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test check lint typecheck format clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## install: create .venv and install the platform with its development tools
install: $(STAMP)

## run: serve the platform with the built-in simulator on http://localhost:3000
run: install
	$(BIN)/sora2 serve

## test: run the whole test suite (SQLite and PostgreSQL)
test: install
	$(BIN)/python -m pytest --cov=sora2 --cov-report=term:skip-covered $(PYTEST_ARGS)

## lint: ruff lint and format check
lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check --force-exclude src tests

## typecheck: mypy --strict
typecheck: install
	$(BIN)/mypy

## check: everything CI should be proud of
check: lint typecheck test

format: install
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov dist build
