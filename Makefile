# Resync console. Quick start: `make run` serves it, `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTEST_ARGS ?=

.PHONY: help setup run dev test test-fast bench chaos lint clean

help:
	@echo "make run    - set up, migrate, ensure the first admin and serve UI + API on \$${RESYNC_PORT:-8000}"
	@echo "make test   - set up and run the whole suite (unit, API, migrations, PostgreSQL/Redis, browser)"
	@echo "make bench  - benchmarks (dashboard latency vs ledger size, recording overhead)"
	@echo "make chaos  - load and fault suite: 2 workers + own PostgreSQL and Redis (bench/chaos-results.json)"

setup:
	@scripts/setup.sh

run: setup
	@scripts/serve.sh

test: setup
	@scripts/setup-browser.sh
	@scripts/test.sh $(PYTEST_ARGS)

test-fast: setup
	@source scripts/env.sh && python -m pytest -m "not browser" $(PYTEST_ARGS)

bench: setup
	@source scripts/env.sh && python -m bench $(BENCH_ARGS)

chaos: setup
	@source scripts/env.sh && python -m bench.chaos $(CHAOS_ARGS)

lint: setup
	@source scripts/env.sh && python -m compileall -q resync_app tests

clean:
	rm -rf .web .states data/test-*
