# Evidence Atlas: `make run` serves the app with seed data on SQLite,
# `make test` runs the whole test suite. Both set everything up first.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python 3.11+ on the PATH (python3 itself on most machines).
PYTHON ?= $(shell for candidate in python3 python3.13 python3.12 python3.11; do \
	if command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	echo $$candidate; break; fi; done)

.PHONY: run test check nginx-check lint browser-deps bench fuzz soak clean help

help:
	@echo "make run    set up, migrate, seed and serve on http://$(HOST):$(PORT) (SQLite)"
	@echo "make test   set up and run the whole test suite (uses DATABASE_URL when set)"
	@echo "make check  migrations up to date, Django system checks, ruff, import contracts, mypy, nginx -t on deploy/nginx.conf"
	@echo "make bench  benchmarks on PostgreSQL (see bench/README.md); BENCH_ARGS='--sizes 10000' for a quick run"
	@echo "make fuzz   schemathesis against the API's schema on PostgreSQL; FUZZ_ARGS='--max-examples 10' for a quick run"
	@echo "make soak   readers, API clients and curators together on PostgreSQL for SOAK_SECONDS (120), then checks the data"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "ERROR: Python 3.11 or newer is needed (found none on the PATH). Install it, or run: make PYTHON=/path/to/python3.11 ..." >&2; exit 1; fi
	@echo "Creating the virtual environment in $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	@echo "Installing Evidence Atlas and its pinned dependencies..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "Installing Evidence Atlas with its test dependencies..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed
	@echo
	@echo "  Evidence Atlas on http://$(HOST):$(PORT)/  (admin at /admin/, API at /api/v1/)"
	@echo "  To sign in to the admin, create a user in another terminal:"
	@echo "      DEBUG=1 $(BIN)/python manage.py createsuperuser"
	@echo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev browser-deps
	@$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "ERROR: pytest collected no tests: that is a failure, not a pass." >&2; exit 1; fi; \
	exit $$status

# What the browser tests need: Debian's Chromium and axe-core from npm.
browser-deps: $(VENV)/.installed-dev
	@$(BIN)/python tests/browser/ensure_dependencies.py

check: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	SECRET_KEY=mypy-only DEBUG=1 $(BIN)/mypy
	$(MAKE) --no-print-directory nginx-check

# The reverse proxy's configuration, checked by Debian's nginx (no Docker here).
nginx-check:
	deploy/nginx-check.sh

bench: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# A fresh database (evidence_atlas_fuzz), gunicorn, then schemathesis.
fuzz: $(VENV)/.installed-dev
	$(BIN)/python .ci/fuzz.py $(FUZZ_ARGS)

soak: $(VENV)/.installed-dev
	$(BIN)/python .ci/soak.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
