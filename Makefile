# The two commands: `make run` (set up and serve the app) and `make test` (set up and run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint lock setup assets db clean screenshots bench

# Exact versions from the lock file, then the app itself without re-resolving anything.
$(BIN)/onboarding: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Regenerate requirements.lock after editing pyproject.toml (runtime + dev, Python 3.11, every
# platform); pins already in the file are kept unless `make lock LOCK_ARGS=--upgrade`.
lock: $(BIN)/onboarding
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal --quiet \
		--custom-compile-command 'make lock' $(LOCK_ARGS) -o requirements.lock

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(BIN)/onboarding node_modules/.package-lock.json

db: setup
	$(BIN)/onboarding init

run: db
	$(BIN)/onboarding demo
	$(BIN)/onboarding run --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .

# Lint first: it takes a second, and CI (.ci/run) enforces it through this target.
# worksteal: the slow tests run first (tests/conftest.py) and an idle worker takes over
# queued tests from the busy one, so both finish together.
# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: pytest rewrites the asserts of
# every test module on start-up (3 s a worker) unless a run before it left them compiled.
test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 2 --dist worksteal -rs -p no:cacheprovider $(PYTEST_ARGS)

screenshots: setup
	$(BIN)/python scripts/screenshots.py

bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules
