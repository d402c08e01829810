# supplywatch — `make run` (main job on the bundled data) and `make test` (everything CI runs).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint docs bench install clean

run: $(STAMP)          ## create the venv, ingest the bundle into var/supplywatch.duckdb, print the summary
	$(VENV)/bin/supplywatch run

test: $(STAMP) lint    ## lint + type check + every test suite (slow ones included)
	$(PY) -m pytest

test-fast: $(STAMP)    ## local loop: skip the slow suites
	$(PY) -m pytest -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy

docs: $(STAMP)         ## regenerate docs/data-dictionary.md from the declarations
	$(PY) -m supplywatch.pipeline.docs

bench: $(STAMP)
	$(PY) benchmarks/bench_ingest.py

install: $(STAMP)

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c requirements/lock.txt -e '.[dev,spark]'
	touch $(STAMP)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
