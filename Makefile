# The README's two commands are `make run` and `make test`; each does its own set-up.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint bench

setup:
	scripts/setup

# Web, central worker and one demo host's agent until Ctrl-C (scripts/run).
run: setup
	scripts/run --address $(HOST):$(PORT)

test: setup
	.venv/bin/pytest $(PYTEST_ARGS)

# Ruff, and the import contracts of pyproject.toml (lint-imports: layers, host side free of
# Django).
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

bench: setup
	for bench in bench/bench_*.py; do $(PY) $$bench || exit 1; done
