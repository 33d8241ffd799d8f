"""Each pytest-xdist worker gets a PostgreSQL and a Redis of its own.

scripts/test.sh starts one PostgreSQL cluster and one redis-server per test process,
exports their URLs as DATABASE_URL_GW0, REDIS_URL_GW0, DATABASE_URL_GW1, ... and loads
this plugin (`-p tests.xdist_services`). In worker gwN it points DATABASE_URL, REDIS_URL
and CELERY_BROKER_URL at gwN's before Django reads its settings, so the processes the
tests start inherit them too. Nothing is shared between the test processes then: not a
Redis queue that a real Celery worker consumes or a test flushes, and not PostgreSQL's
transaction ids, which are per cluster (the changes feed serves nothing newer than the
oldest transaction still running, and the other process always has one open).

`--dist load` hands the tests out in pytest-django's order, so each worker, like a single
process, runs the tests that roll back before the transactional ones that flush every
table (data-migration rows included)."""

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "").upper()
    if not worker:
        return  # the controller: it runs no test
    os.environ["DATABASE_URL"] = os.environ[f"DATABASE_URL_{worker}"]
    os.environ["REDIS_URL"] = os.environ["CELERY_BROKER_URL"] = os.environ[f"REDIS_URL_{worker}"]
