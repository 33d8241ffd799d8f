"""The sweep task through the real broker: a real Celery worker process, the
Redis the test command started, the PostgreSQL test database."""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from coaching.stale.models import Flag
from coaching.stale.tasks import sweep_stale_deals
from dealcoach.celery import app
from tests.coaching.stale.helpers import make_deal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services, pytest.mark.usefixtures("migration_rows")]

ROOT = Path(__file__).resolve().parents[3]
WAIT_SECONDS = 30


def _test_database_url() -> str:
    """DATABASE_URL with the database swapped for the one pytest created."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def worker():
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.fail("Needs the PostgreSQL and Redis started by the test command (make test).")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealcoach.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dealcoach", "worker", "--pool=solo", "--concurrency=1",
         "-Q", "celery", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield process, Path(log.name)
    finally:
        process.terminate()  # warm shutdown: a running task finishes and is acknowledged
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def not_eager():
    was = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = was


def test_it_sweeps_through_a_real_worker(alice, worker, not_eager):
    process, log = worker
    deals = [
        make_deal(alice, stage="evaluate", created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 3, 1),
                  close=dt.date(2025, 4, 1))
        for _ in range(3)
    ]

    sent = sweep_stale_deals.apply_async(args=["2025-06-02"])
    assert Flag.objects.count() == 0  # not run in this process: it went to the broker

    done = f"Task coaching.stale.tasks.sweep_stale_deals[{sent.id}] succeeded"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if Flag.objects.filter(cleared_at__isnull=True).count() >= 15 and done in log.read_text(errors="replace"):
            break
        time.sleep(0.2)  # waiting on another process, not on the clock under test
    output = log.read_text(errors="replace")
    assert done in output, f"the worker did not run the task:\n{output[-4000:]}"
    assert process.poll() is None, f"the worker exited:\n{output[-4000:]}"
    assert Flag.objects.filter(cleared_at__isnull=True).count() == 15, f"no flags after {WAIT_SECONDS}s:\n{output[-4000:]}"
    assert {kind for deal in deals for kind in deal.flags.values_list("kind", flat=True)} == {
        "no_activity", "close_date_passed", "decaying", "single_threaded", "no_decision_maker"
    }
