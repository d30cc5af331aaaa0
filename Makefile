# Staff Console: the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
DEMO_SPEC := webapp/demo/spec.yaml

.PHONY: run test test-postgres test-mysql lint bench chromium postgres mariadb install clean translations i18n-extract i18n-update axe mutation mutation-capabilities redis

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
run: $(VENV)/.installed-app translations
	$(FLASK) db upgrade
	$(FLASK) data load --only-missing $(DEMO_SPEC)
	@echo
	@echo "  Staff Console on http://127.0.0.1:$(PORT)"
	@echo "  Demo logins (password edx): staff (global staff), instructor (instructor of the Demonstration"
	@echo "  Course: may change its certificates), course_staff (staff role: sees it, changes no certificates)"
	@echo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## make test: install the test extras, Debian's chromium and PostgreSQL (for the gunicorn concurrency
## tests), Redis (for the queue workers' tests) and axe-core, then run the whole suite
test: $(VENV)/.installed-test translations chromium postgres redis axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make test-postgres: the whole suite again on PostgreSQL (DATABASE_URL, default the local test database)
test-postgres: $(VENV)/.installed-test translations chromium postgres redis axe
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

## axe: axe-core (accessibility rules) from the npm registry, pinned by tests/e2e/package-lock.json, into
## tests/e2e/node_modules (not committed); the browser tests inject it into each page
AXE := tests/e2e/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's npm for the accessibility tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else \
	    echo "The accessibility tests need npm: run 'sudo apt-get install npm' and try again."; exit 1; \
	  fi; }
	cd tests/e2e && npm ci --no-audit --no-fund --silent
	touch $@

## make test-mysql: the whole suite again on MariaDB/MySQL (MYSQL_URL, default the local test database; the
## concurrency tests' gunicorn server runs on it too)
test-mysql: $(VENV)/.installed-test translations chromium mariadb redis axe
	DATABASE_URL=$${MYSQL_URL:-mysql+pymysql://root@127.0.0.1:3306/test} CONCURRENCY_DATABASE_URL= \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

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

mariadb:
	@if [ "$$(id -u)" = 0 ]; then bash .ci/ensure-mariadb; \
	else mysqladmin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1 || { echo "make test-mysql needs MariaDB on 127.0.0.1:3306 (root, no password): run 'sudo bash .ci/ensure-mariadb'."; exit 1; }; fi

redis:
	@if [ "$$(id -u)" = 0 ]; then bash .ci/ensure-redis; \
	else [ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] || { echo "The queue tests need Redis on 127.0.0.1:6379: run 'sudo bash .ci/ensure-redis' (they are skipped without it)."; }; fi

## make lint: formatting, lint rules and types (the same checks as .pre-commit-config.yaml)
lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

## make mutation: mutation testing (mutmut, [tool.mutmut] in pyproject.toml) of the plan engine, the CSV reader
## and the rosters, each mutant run against the tests that execute its function; prints the score per module.
## Results are kept in mutants/ (naming the modules, a re-run checks all their mutants again; see the README);
## `make mutation-capabilities` does the capability services. A developer tool, not part of `make test`.
MUTATION_PRIMARY := "webapp.services.plans*" "webapp.services.csvio*" "webapp.services.rosters*"
MUTATION_CAPABILITIES := "webapp.services.certificates*" "webapp.services.proctoring*" \
	"webapp.services.academies*" "webapp.services.completion*"
MUTATION_CHILDREN ?= 2

$(VENV)/.installed-mutation: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[test,mutation]'
	touch $@

mutation: $(VENV)/.installed-mutation
	-$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTATION_PRIMARY)
	$(BIN)/python bench/mutation_scores.py webapp.services.plans webapp.services.csvio webapp.services.rosters

mutation-capabilities: $(VENV)/.installed-mutation
	-$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTATION_CAPABILITIES)
	$(BIN)/python bench/mutation_scores.py webapp.services.certificates webapp.services.proctoring \
	  webapp.services.academies webapp.services.completion

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

## Translations: `make i18n-update` extracts every marked string into messages.pot and merges it into each
## language's .po (translate the new entries there); `make translations` compiles the .po files into the .mo
## files the app reads (run by `make run` and `make test`; .mo files are build output, not committed).
TRANSLATIONS := webapp/translations
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k rule_message -k N_ -k plural:2,3 -k lazy_pgettext:1c,2
# Babel skips directories whose names start with "." or "_" unless told otherwise: templates/_macros holds strings.
BABEL_IGNORE := --ignore-dirs='.* node_modules mutants'

translations: $(VENV)/.installed-app
	$(BIN)/pybabel -q compile --statistics -d $(TRANSLATIONS)

i18n-extract: $(VENV)/.installed-app
	$(BIN)/pybabel -q extract -F babel.cfg $(BABEL_KEYWORDS) $(BABEL_IGNORE) --no-location --sort-output --project="Staff Console" -o $(TRANSLATIONS)/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache tests/e2e/node_modules mutants
