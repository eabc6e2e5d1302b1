# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2
# The links the demo prints and the QR codes carry follow the port unless BASE_URL is set.
export BASE_URL ?= http://127.0.0.1:$(PORT)
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=
# The whole suite on two workers (pytest-xdist), a file at a time per worker so each module's
# gunicorn and fixtures start once; tests/conftest.py hands out the longest files first.
# `make test XDIST=` runs it in one process.
XDIST ?= -n 2 --dist loadfile --no-loadscope-reorder
BENCH_ARGS ?=

.PHONY: run test test-fast test-postgres install translations migrate demo browser pdftools lint bench wrk clean help

help:
	@echo "make run    - install, migrate, load demo data (first run), serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - install test tools (Chromium included) and run the whole suite"
	@echo "make test-fast - everything but the e2e and slow tests (no browser): the working loop"
	@echo "make bench  - run the benchmarks in bench/ (ratios against a baseline in the same run)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

install: $(VENV)/.installed

# Compiled catalogues are build products: made from translations/*.po, never committed.
translations: install
	$(BIN)/pybabel compile -d translations

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo-data

# gunicorn takes ratings (one INSERT each); the fold worker beside it attributes, judges and
# counts them (analytics/fold.py). Both stop together: Ctrl+C, or either one ending.
run: translations demo
	@echo "Suara Layanan on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	@\
	$(FLASK) fold & fold=$$!; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - wsgi:app & web=$$!; \
	trap 'kill -TERM $$web $$fold 2>/dev/null; wait $$web $$fold 2>/dev/null' INT TERM EXIT; \
	wait -n $$web $$fold

# Debian's Chromium for the browser tests (root can install it; others are told how).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium chromium-driver"; fi; \
	fi

# poppler-utils' pdftoppm/pdftotext: the report tests render a printed page to PNG.
pdftools:
	@if ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils) >/dev/null; \
	  else echo "Report tests need pdftoppm: sudo apt-get install poppler-utils"; fi; \
	fi

# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: every pytest process (xdist's
# workers, the collection check's) would otherwise rewrite the asserts of hypothesis and
# schemathesis again (some 10 s of CPU each), and every gunicorn compile the app anew.
test test-fast test-postgres: export PYTHONDONTWRITEBYTECODE :=

test: translations browser pdftools
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The loop while working: no gunicorn, Chromium, mail or webhook server (e2e), no property or
# scale tests (slow). pdftools: the report tests render a page with pdftoppm.
test-fast: translations pdftools
	$(BIN)/pytest -m "not e2e and not slow" $(PYTEST_ARGS)

test-postgres: translations browser pdftools
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# wrk drives the submit benchmark (root installs it; others are told how).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null; \
	  else echo "The submit benchmark needs wrk: sudo apt-get install wrk"; fi; \
	fi

# BENCH_ARGS: e.g. "--quick", "drills --engine postgresql", "dashboards --large 10000000".
bench: translations wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
