# sendroute: one Makefile. `make run` and `make test` are the two set-up commands on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit test-postgres browser-deps bench bench-deps install assets clean

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# GOV.UK Frontend (served by the app) and axe-core (for the tests), pinned in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

assets: install
	$(BIN)/python manage.py collectstatic --noinput -v0

# Start the web app on SQLite with the Norfolk rules at http://127.0.0.1:8000
run: install assets
	$(BIN)/python manage.py migrate --noinput -v0
	@echo "sendroute is running at http://$(HOST):$(PORT)/ (press Ctrl+C to stop)"
	@# The task worker builds bundles outside the web requests; it stops with the server.
	$(BIN)/python manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn sendroute.web.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - \
	  --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check sendroute tests bench
	$(BIN)/ruff format --check sendroute tests bench

typecheck: install
	$(BIN)/mypy sendroute

unit: install browser-deps
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest -q

# The tests that use a database again on PostgreSQL, when a server answers on 127.0.0.1:5432.
test-postgres: install
	@if pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q tests/web; \
	else echo "PostgreSQL is not answering on 127.0.0.1:5432: skipped the PostgreSQL run"; fi

test: lint typecheck unit test-postgres

# wrk makes the web benchmark's load from a separate process (Debian's package).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the web benchmark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: install assets bench-deps
	$(BIN)/python bench/rules_bench.py
	$(BIN)/python bench/web_bench.py
	$(BIN)/python bench/letters_bench.py
	$(BIN)/python bench/bundle_bench.py

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
