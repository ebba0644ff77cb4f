# Every target works on a fresh clone: `install` builds .venv/ first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test test-all check lint types bench fmt clean mutate

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,test]"
	touch $(STAMP)

run: install  ## offline demo batch over bundled pages
	$(VENV)/bin/cleanfeed run --config configs/default.toml

test: install  ## fast suite (< 10 min on 2 cores)
	$(PY) -m pytest -q

test-all: install  ## everything, including slow suites (and atheris for the fuzz suite)
	$(PY) -m pip install -q -e ".[dev,fuzz]"
	$(PY) -m pytest -q -m "slow or not slow"

mutate: install  ## mutation testing of the core modules (slow: by hand, not CI); MODULES="decode state" for some
	$(PY) -m pip install -q -e ".[dev,mutate]"
	$(PY) tools/mutate.py $(MODULES)

lint: install
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools

types: install
	$(VENV)/bin/mypy

check: lint types test

bench: install  ## writes docs/benchmarks.md from scratch
	$(PY) -m pip install -q -e ".[dev,bench]"
	$(PY) -m bench.run --out docs/benchmarks.md

fmt: install
	$(VENV)/bin/ruff format src tests bench tools
	$(VENV)/bin/ruff check --fix src tests bench tools

clean:
	rm -rf $(VENV) build dist mutants .pytest_cache .mypy_cache .ruff_cache
