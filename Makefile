# The two commands: `make run` (set up and serve the app) and `make test` (set up and run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup assets db clean screenshots bench

$(BIN)/onboarding: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(BIN)/onboarding node_modules/.package-lock.json

db: setup
	$(BIN)/onboarding init

run: db
	$(BIN)/onboarding demo
	$(BIN)/onboarding run --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -n 2 -rs -p no:cacheprovider $(PYTEST_ARGS)

screenshots: setup
	$(BIN)/python scripts/screenshots.py

bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules
