# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint typecheck importlint unit bench clean setup

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

## Run the whole platform in its embedded default on http://127.0.0.1:8080
run: $(STAMP)
	$(BIN)/python -m embedded

## Lint, type-check and run the whole test suite
test: lint typecheck importlint unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy shared services embedded tests bench

## Import contracts of pyproject.toml: services independent, shared below them, pure domains
importlint: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

## Benchmarks: scripts that print figures (never part of the tests)
bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
