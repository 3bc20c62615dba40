# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Where `make run` serves: make run PORT=5001 (HOST=0.0.0.0 to be reached from other machines).
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench bench-big fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

## Serve the app on http://$(HOST):$(PORT) with an SQLite database and demo data (created on first start).
run: $(VENV)/.run-installed
	$(BIN)/erp init --demo
	@echo "Open http://$(HOST):$(PORT) and log in with a demo user printed above at first start."
	@echo "Forgot a password? $(BIN)/erp user passwd admin"
	$(BIN)/erp run --host $(HOST) --port $(PORT)

## The whole test suite; set TEST_DATABASE_URL to also run the database tests on PostgreSQL.
test: $(VENV)/.test-installed
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## Performance benchmark (see docs/performance.md); set BENCH_DATABASE_URL for PostgreSQL too.
bench: $(VENV)/.test-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

## Ten million stored units: bulk load, reads and a receipt against an empty database (takes tens of minutes).
bench-big: $(VENV)/.test-installed
	$(BIN)/python -m bench --big $(BENCH_ARGS)

# Schemathesis lives in a venv of its own: in .venv its pytest plugin would load on every `make test`.
FUZZ_VENV := .venv-fuzz

$(FUZZ_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/pip install -q --upgrade pip
	$(FUZZ_VENV)/bin/pip install -q -e '.[fuzz]'
	touch $@

## Fuzz /api/v1 with schemathesis (see docs/fuzzing.md): SQLite, and PostgreSQL too when TEST_DATABASE_URL is set.
fuzz: $(FUZZ_VENV)/.installed
	$(FUZZ_VENV)/bin/python -m fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(FUZZ_VENV) instance .pytest_cache
