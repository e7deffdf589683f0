# Schwarm — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help run test lint bench load clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed  ## set up and serve Schwarm on http://127.0.0.1:5000
	$(BIN)/schwarm init
	@echo "Schwarm is starting on http://$(HOST):$(PORT)"
	$(BIN)/schwarm serve --host $(HOST) --port $(PORT)

# pytest-xdist workers: one per core (PostgreSQL: a database per worker)
TEST_WORKERS ?= auto

test: $(VENV)/.installed  ## set up and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed  ## ruff
	$(BIN)/ruff check .

bench: $(VENV)/.installed  ## benchmarks: latency percentiles and ratios, JSON in bench/results/
	$(BIN)/python -m bench.run $(BENCH_ARGS)
# e.g. make bench BENCH_ARGS="--scales 10000,100000 --million --workdir /var/tmp/schwarm-bench"

load: $(VENV)/.installed  ## gunicorn under concurrent writers; checks nothing was lost
	$(BIN)/python -m bench.load $(LOAD_ARGS)
# e.g. make load LOAD_ARGS="--clients 16 --duration 30 --database postgresql://postgres@127.0.0.1/load"

clean:  ## remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
