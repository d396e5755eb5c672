# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of extras and version of pyproject.toml: `make run` installs what
# running needs (the platform and the embedded store), `make test` adds the dev tools.
HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
RUN_STAMP := $(VENV)/.installed-run-$(HASH)
STAMP := $(VENV)/.installed-dev-$(HASH)

.PHONY: run test lint typecheck importlint unit bench fuzz clean setup

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[embedded]'
	rm -f $(VENV)/.installed-run-* && touch $@

# The dev install holds everything running needs too: it stamps both.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	rm -f $(VENV)/.installed-* && touch $@ $(RUN_STAMP)

setup: $(STAMP)

## Run the whole platform in its embedded default on http://127.0.0.1:8080
run: $(RUN_STAMP)
	$(BIN)/python -m embedded

## Lint, type-check and run the whole test suite
test: lint typecheck importlint unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy shared services embedded tests bench tools

## Import contracts of pyproject.toml: services independent, shared below them, pure domains
importlint: $(STAMP)
	$(BIN)/lint-imports

# One pytest process keeps about one core busy (its tests wait on the broker, the store,
# a browser): two worker processes, each with its own store and browser, finish the
# suite about a quarter sooner on two cores. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
unit: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## Benchmarks: scripts that print figures (never part of the tests)
bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

## Fuzz the four APIs from their OpenAPI documents, as each demo role (never part of the tests)
# Schemathesis lives in a venv of its own: its pytest plugins stay out of the tests' one.
FUZZ_VENV := .venv-fuzz
fuzz: $(STAMP)
	test -x $(FUZZ_VENV)/bin/st || ($(PYTHON) -m venv $(FUZZ_VENV) && \
		$(FUZZ_VENV)/bin/python -m pip install --quiet 'schemathesis>=4.3,<5')
	$(BIN)/python -m tools.fuzz_api --schemathesis $(FUZZ_VENV)/bin/st $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(FUZZ_VENV) var .mypy_cache .pytest_cache .ruff_cache
