# Two commands on a fresh machine: `make dashboard` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8866
LOG    ?=

.PHONY: dashboard test lint format bench sample docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(VENV)/.installed $(VENV)/.installed-test $@

## Serve the dashboards on the bundled sample (or LOG=path) at http://127.0.0.1:8866
dashboard: $(VENV)/.installed
	$(BIN)/stridekit serve $(LOG) --port $(PORT)

## The whole test suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(VENV)/.installed-test
	$(BIN)/ruff check stridekit tests bench
	$(BIN)/ruff format --check stridekit tests bench
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix stridekit tests bench
	$(BIN)/ruff format stridekit tests bench

## Fuzz every reader, FUZZ_SECONDS (default 60) each; reports inputs, crashes, slowest inputs
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m fuzz --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## Side-by-side benchmarks against the peer libraries, reported as ratios
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

## The API reference from the docstrings, into docs/api/ (open docs/api/index.html)
docs: $(VENV)/.installed-test
	$(BIN)/python docs/build_api.py docs/api

## Regenerate the committed sample
sample: $(VENV)/.installed
	rm -rf data/sample
	$(BIN)/stridekit sample --to data/sample

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
