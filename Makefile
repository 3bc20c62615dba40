# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Where `make run` serves: make run PORT=5001 (HOST=0.0.0.0 to be reached from other machines).
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench clean

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
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
