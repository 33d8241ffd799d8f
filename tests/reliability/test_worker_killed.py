"""A Celery worker killed with SIGKILL in the middle of the stale sweep: the
day's sweep still completes (no second message needed), with the same open
flags as an uninterrupted sweep and no duplicates.

The race the first version of this test lost on a busy machine is made
deterministic here: the dead worker's PostgreSQL backend keeps holding the
sweep lock (it is blocked on a table lock the test holds) while the redelivered
message runs. That run must not report done; it retries, and the test waits for
the truth — a completed SweepRun for the day — with a bounded deadline."""

import datetime as dt
import os
import signal
from pathlib import Path

import psycopg
import pytest
from celery import current_app
from django.utils import timezone
from kombu import Connection

from coaching.stale.models import Flag, SweepRun
from coaching.stale.services import flags_sweep
from tests.factories import AccountFactory, OpportunityFactory
from tests.reliability.shape import (
    Processes,
    free_port,
    start_redis,
    start_worker,
    wait_for,
    worker_database_url,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("migration_rows"),
              pytest.mark.timeout(150)]
SWEEP = "coaching.stale.tasks.sweep_stale_deals"


def send(redis_url, task, **kwargs):
    with Connection(redis_url, connect_timeout=2) as conn:
        current_app.send_task(task, kwargs=kwargs, producer=current_app.amqp.Producer(conn), retry=False)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended while we listed them
            continue
        found += [int(c) for c in text]
    return found


def sql(url, query, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def open_flags():
    rows = Flag.objects.filter(cleared_at__isnull=True).values_list("opportunity_id", "kind")
    return sorted(rows)


def test_it_completes_the_days_sweep_after_a_worker_is_killed_mid_sweep(tmp_path, alice, charlie):
    today = timezone.localdate()
    past = today - dt.timedelta(days=10)
    deals = [OpportunityFactory(account=AccountFactory(owner=owner), expected_close_date=past,
                                stage_entered_at=timezone.now() - dt.timedelta(days=90))
             for owner in (alice, charlie, alice, charlie, alice)]
    db_url = worker_database_url()
    processes = Processes(tmp_path)
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    blocker = psycopg.connect(db_url)

    def worker_log() -> str:
        return (tmp_path / "worker.log").read_text(errors="replace")

    try:
        start_redis(processes, redis_port)
        worker = start_worker(processes, redis_url=redis_url, extra=["--concurrency", "1"],
                              DEALCOACH_SWEEP_RETRY_SECONDS="1")
        # Hold the sweep-run table: the sweep raises its flags, then waits on this lock when it
        # records its run (its last statement), with everything it wrote still uncommitted.
        blocker.execute("LOCK TABLE stale_sweeprun IN EXCLUSIVE MODE")
        send(redis_url, SWEEP, as_of=today.isoformat())

        def sweep_waiting():
            return sql(db_url, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                               "AND query ILIKE '%%stale_sweeprun%%' AND datname = current_database()")

        wait_for(sweep_waiting, timeout=60, what="the sweep to reach its last statement")
        pool_children = children(worker.pid)
        assert len(pool_children) == 1
        killed_at = timezone.now()
        os.kill(pool_children[0], signal.SIGKILL)

        # The message comes back (acks late, reject on worker lost) and runs in a new pool process
        # while the dead process's backend still holds the sweep lock: it must not count as done.
        wait_for(lambda: "SweepLockHeld" in worker_log() or "succeeded" in worker_log(), timeout=60,
                 what="the redelivered sweep to meet the dead sweep's lock")
        assert "SweepLockHeld" in worker_log(), worker_log()[-3000:]
        assert not SweepRun.objects.exists()

        # Let the dead backend run into its closed socket and roll back; the retry then sweeps.
        blocker.rollback()
        wait_for(lambda: SweepRun.objects.filter(as_of=today).exists(), timeout=60,
                 what="a completed sweep for today")
        # Nothing of the killed sweep was committed: every open flag was raised after the kill.
        assert not Flag.objects.filter(raised_at__lt=killed_at).exists()
        after_rerun = open_flags()
        assert len(after_rerun) == len(set(after_rerun))  # each kind open at most once per deal
        assert {(d.pk, "close_date_passed") for d in deals} <= set(after_rerun)

        # An uninterrupted sweep now finds nothing to change: the retry left the same flags.
        result = flags_sweep(as_of=today)
        assert (result.raised, result.cleared, result.skipped) == (0, 0, False)
        assert open_flags() == after_rerun
        assert "WorkerLostError" in worker_log() or "SIGKILL" in worker_log()
    finally:
        blocker.close()
        processes.stop_all()
