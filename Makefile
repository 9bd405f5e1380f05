# Kagami: two commands to start.  `make run` serves a demo town; `make test` runs every gate.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt

.PHONY: venv env run test lint security typecheck checks test-sqlite test-postgres messages lock audit bench clean

$(STAMP): $(LOCK) pyproject.toml
	@if [ ! -x $(PY) ]; then \
	  python=$$(scripts/find-python) || exit 1; \
	  echo "Creating $(VENV) with $$python"; \
	  "$$python" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

# Compiled message catalogues are build output, made from locale/*/LC_MESSAGES/django.po.
# Without GNU gettext (msgfmt) Kagami still runs, in Japanese only.
messages: $(STAMP)
	@if command -v msgfmt >/dev/null; then \
	  $(PY) manage.py compilemessages --ignore=.venv -v0; \
	else \
	  echo "msgfmt not found (install gettext): English translations are not compiled."; \
	fi

# Local secrets for `make run`: generated once, completed when a new key appears, never committed.
env: $(STAMP)
	@$(PY) scripts/make_env.py .env

run: $(STAMP) messages env
	set -a && . ./.env && set +a && $(BIN)/kagami serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy kagami

# Security lint of the app code; the allow-list and its reasons are in pyproject.toml.
security: $(STAMP)
	$(BIN)/bandit -c pyproject.toml -r kagami -x "kagami/publishing/adapters/fakes,*/tests/*" -q

checks: $(STAMP) messages
	$(PY) manage.py check --fail-level WARNING --settings kagami.settings_test
	$(PY) manage.py makemigrations --check --dry-run --settings kagami.settings_test
	$(PY) manage.py check --deploy --fail-level WARNING --settings kagami.settings_deploycheck

test-sqlite: $(STAMP) messages
	@echo "=== Test suite on SQLite ==="
	DATABASE_URL=sqlite:// $(BIN)/pytest -q

test-postgres: $(STAMP) messages
	@if $(PY) scripts/pg_ready.py; then \
	  echo "=== Test suite on PostgreSQL ==="; \
	  DATABASE_URL=$${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/kagami} $(BIN)/pytest -q; \
	else \
	  echo "!!! ============================================================== !!!"; \
	  echo "!!! PostgreSQL does not answer: the PostgreSQL test run is SKIPPED !!!"; \
	  echo "!!! ============================================================== !!!"; \
	fi

test: lint security typecheck checks test-sqlite test-postgres

bench: $(STAMP)
	$(PY) bench/audit.py

# Re-resolve pinned dependencies after editing pyproject.toml (needs network access to PyPI).
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.12 -o $(LOCK)

# Known vulnerabilities in the pinned dependencies. Needs the vulnerability database on the
# internet (PyPI's JSON API / OSV): run it on the town's build server, not in `make test`.
audit: $(STAMP)
	$(BIN)/pip-audit --require-hashes --disable-pip -r $(LOCK)

clean:
	rm -rf $(VENV) staticfiles
