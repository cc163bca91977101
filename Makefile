# SoWhat, in two commands: `make run` serves the app with demo data, `make test` checks everything.
# Both install what they need first (a virtualenv from requirements.txt, and Debian packages via
# apt-get only when missing), so a fresh Debian machine with Python 3.11 is enough.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Reinstalled only when requirements.txt is newer than this stamp.
INSTALLED := $(VENV)/.requirements-installed

POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/sowhat
BROKER_URL ?= redis://127.0.0.1:6379/0
# The fault tests stop PostgreSQL and Redis: a database and Redis databases of their own.
FAULTS_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/sowhat_faults
FAULTS_BROKER_URL ?= redis://127.0.0.1:6379/2
FAULTS_CACHE_URL ?= redis://127.0.0.1:6379/3
# The embedded set-up: a SQLite file, Celery in eager mode, DEBUG on, whatever the shell exports.
EMBEDDED := env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_CACHE_URL -u DEBUG -u DJANGO_DEBUG

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# $(1): Debian packages to install, after one `apt-get update` (only ever called when one is missing).
define apt_install
echo "Installing Debian packages: $(1)"; \
$(SUDO) apt-get update -qq; \
$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null
endef

.PHONY: help run test test-postgres test-faults lint format clean install translations static chromium

help:
	@echo "make run            install, migrate, load the demo and serve http://127.0.0.1:8000 (SQLite, eager Celery)"
	@echo "make test           install, then ruff format --check, ruff check, lint-imports and pytest (SQLite, eager Celery)"
	@echo "make test-postgres  pytest on PostgreSQL ($(POSTGRES_URL)) with a real Celery worker on $(BROKER_URL)"
	@echo "make test-faults    restart PostgreSQL and Redis, kill Celery workers under load: nothing may be lost (tests/faults/)"
	@echo "make lint           ruff format --check, ruff check, lint-imports"
	@echo "make format         ruff format and ruff check --fix"
	@echo "make clean          remove caches and collected static files (keeps .venv and db.sqlite3)"

install: $(INSTALLED)

$(INSTALLED): requirements.txt
	@if [ ! -x $(BIN)/python ]; then \
		command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required: $(PYTHON) is not on PATH." >&2; exit 1; }; \
		$(PYTHON) -c 'import ensurepip' 2>/dev/null || { $(call apt_install,python3.11-venv); }; \
		echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	@echo "Installing requirements.txt into $(VENV)"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

translations: install
	@command -v msgfmt >/dev/null || { $(call apt_install,gettext); }
	@# Only the project's catalogs: without --ignore it recompiles every package's under .venv.
	@$(MANAGE) compilemessages -v 0 --ignore=$(VENV) --ignore=staticfiles

# Browser tests drive Debian's Chromium; Playwright cannot download a browser here.
chromium:
	@[ -x /usr/bin/chromium ] || { $(call apt_install,chromium); }

static: install
	@$(EMBEDDED) $(MANAGE) collectstatic --noinput -v 0

run: install translations static
	@$(EMBEDDED) $(MANAGE) migrate --noinput -v 0
	@$(EMBEDDED) $(MANAGE) seed_demo
	@echo "Serving SoWhat at http://127.0.0.1:8000/ (API docs at /api/docs/); stop with Ctrl-C."
	@$(EMBEDDED) $(MANAGE) runserver 127.0.0.1:8000

lint: install
	@$(BIN)/ruff format --check .
	@$(BIN)/ruff check .
	@$(BIN)/lint-imports --no-logo

format: install
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

# pytest's own exit status ends the recipe: failures, errors and "no tests ran" (5) all fail make.
test: install chromium translations static lint
	@$(EMBEDDED) $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install chromium translations static
	@DATABASE_URL=$(POSTGRES_URL) CELERY_BROKER_URL=$(BROKER_URL) $(BIN)/pytest -q -p no:cacheprovider

# Needs root (or the postgres and redis users' rights): the tests stop and start both services.
test-faults: install translations static
	@DATABASE_URL=$(FAULTS_POSTGRES_URL) CELERY_BROKER_URL=$(FAULTS_BROKER_URL) REDIS_CACHE_URL=$(FAULTS_CACHE_URL) \
		$(BIN)/pytest -q -p no:cacheprovider -m faults tests/faults

clean:
	@rm -rf staticfiles .pytest_cache .ruff_cache .import_linter_cache
	@find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
