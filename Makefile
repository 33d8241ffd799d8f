# dealcoach — the commands. `make run` to try it, `make test` to test it.
SHELL := /bin/bash
ARGS ?=

.PHONY: run test test-fast serve bench backup restore lint

run:  ## Embedded mode: SQLite, eager Celery, demo data, serves on 127.0.0.1:8000
	@bash scripts/run.sh

test:  ## Whole suite against a throwaway PostgreSQL + Redis (+ headless Chromium); what .ci/run calls
	@bash scripts/test.sh $(ARGS)

test-fast:  ## The inner loop: everything but the browser and services-heavy tests (markers in pyproject.toml)
	@NEED_CHROMIUM= bash scripts/test.sh -m "not browser and not services and not clients and not slow" $(ARGS)

serve:  ## Production shape without Docker: PostgreSQL + Redis + gunicorn + worker + beat
	@bash scripts/serve.sh

bench:  ## Benchmarks against a throwaway PostgreSQL + Redis; writes BENCHMARKS.md
	@bash scripts/bench.sh $(ARGS)

backup:  ## pg_dump (custom format) of $$DATABASE_URL into backups/
	@bash scripts/backup.sh

restore:  ## pg_restore FILE=backups/... into $$DATABASE_URL
	@bash scripts/restore.sh $(FILE)

lint:
	@.venv/bin/ruff check .
