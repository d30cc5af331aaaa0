# Staff Console: the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
DEMO_SPEC := webapp/demo/spec.yaml

.PHONY: run test test-postgres lint bench chromium postgres redis install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-app
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed-app

## make run: install, migrate, add whatever demo data is missing (never updates staff's changes) and serve
## on 127.0.0.1:$(PORT)
run: $(VENV)/.installed-app
	$(FLASK) db upgrade
	$(FLASK) data load --only-missing $(DEMO_SPEC)
	@echo
	@echo "  Staff Console on http://127.0.0.1:$(PORT)"
	@echo "  Demo logins (password edx): staff (global staff), instructor (instructor of the Demonstration"
	@echo "  Course: may change its certificates), course_staff (staff role: sees it, changes no certificates)"
	@echo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## make test: install the test extras, Debian's chromium, PostgreSQL (for the gunicorn concurrency
## tests) and Redis (for the queue workers' tests), then run the whole suite
test: $(VENV)/.installed-test chromium postgres redis
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make test-postgres: the whole suite again on PostgreSQL (DATABASE_URL, default the local test database)
test-postgres: $(VENV)/.installed-test chromium postgres redis
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium' and try again."; exit 1; \
	  fi; }

postgres:
	@if [ "$$(id -u)" = 0 ]; then bash .ci/ensure-postgres; \
	else pg_isready -q -h 127.0.0.1 -p 5432 || { echo "The concurrency tests need PostgreSQL on 127.0.0.1:5432 (trust auth): run 'sudo bash .ci/ensure-postgres'."; exit 1; }; fi

redis:
	@if [ "$$(id -u)" = 0 ]; then bash .ci/ensure-redis; \
	else [ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] || { echo "The queue tests need Redis on 127.0.0.1:6379: run 'sudo bash .ci/ensure-redis' (they are skipped without it)."; }; fi

## make lint: formatting, lint rules and types (the same checks as .pre-commit-config.yaml)
lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
