# sendroute: one Makefile. `make run` and `make test` are the two set-up commands on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# bandit runs from the app's venv; semgrep and pip-audit pin many packages of their own, so they
# live in a venv of their own.
TOOLS_VENV := .venv-tools
TOOLS_BIN := $(TOOLS_VENV)/bin
TOOLS_STAMP := $(TOOLS_VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit test-postgres reliability soak security dependency-audit tools-venv browser-deps bench bench-deps install assets seed clean

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

tools-venv: $(TOOLS_STAMP)

$(TOOLS_STAMP):
	@test -x $(TOOLS_BIN)/python || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(TOOLS_BIN)/python -m pip install --quiet semgrep==1.185.0 pip-audit==2.10.1
	@touch $(TOOLS_STAMP)

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
	$(BIN)/ruff check sendroute tests bench tools
	$(BIN)/ruff format --check sendroute tests bench tools

typecheck: install
	$(BIN)/mypy sendroute

# bandit and semgrep with the rules in .semgrep (each rule proved by its examples first), then
# the dependency audit, which says NOT RUN (never a pass) when it cannot reach its database.
security: install tools-venv
	$(BIN)/bandit -c pyproject.toml -r sendroute -q
	@rules=$$(mktemp -d) && cp -r .semgrep $$rules/semgrep_rules && \
	  $(TOOLS_BIN)/semgrep --test --metrics=off --disable-version-check --quiet $$rules/semgrep_rules; \
	  rc=$$?; rm -rf $$rules; exit $$rc
	$(TOOLS_BIN)/semgrep scan --config .semgrep --metrics=off --disable-version-check --error --quiet sendroute
	@$(MAKE) --no-print-directory dependency-audit

dependency-audit: install tools-venv
	@$(BIN)/python tools/dependency_audit.py; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "dependency audit: NOT RUN (reported above; not counted as a pass)"; \
	  if [ -n "$$SENDROUTE_REQUIRE_AUDIT" ]; then exit 3; fi; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

# The in-process tests on both cores (pytest-xdist); the live-server proofs run on their own.
unit: install tools-venv browser-deps
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest -q -n 2 --ignore=tests/reliability --ignore=tests/soak

# Crash, concurrent-edit and retry proofs against real gunicorn servers, on SQLite and
# PostgreSQL (SENDROUTE_FULL_PROOF=1 for the issue's full counts).
reliability: install
	$(BIN)/pytest -q tests/reliability

# A locust soak of real journeys with the mail server and the disk failing part way
# (SENDROUTE_SOAK_SECONDS, 300 by default; 30 minutes with SENDROUTE_FULL_PROOF=1).
soak: install
	$(BIN)/pytest -q tests/soak

# The tests that use a database again on PostgreSQL, when a server answers on 127.0.0.1:5432.
test-postgres: install
	@if pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n 2 tests/web; \
	else echo "PostgreSQL is not answering on 127.0.0.1:5432: skipped the PostgreSQL run"; fi

test: lint typecheck security unit test-postgres reliability soak

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
	$(BIN)/python bench/load_bench.py

# Synthetic families and cases in the configured database (SCALE=1: 10,000 cases, 400,000 events).
SCALE ?= 1
seed: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/sendroute seed-data --scale $(SCALE)

clean:
	rm -rf $(VENV) $(TOOLS_VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
