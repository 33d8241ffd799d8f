"""A sweep that finds the lock held is not done: it retries; and the day's
sweep is guaranteed by beat (tasks.ensure_daily_sweep) and visible to health
checks (selectors.sweep_done_today)."""

import datetime as dt

import psycopg
import pytest
import time_machine
from django.utils import timezone

from coaching.stale.models import SweepRun
from coaching.stale.selectors import sweep_done_today
from coaching.stale.services import SWEEP_LOCK_KEY
from coaching.stale.tasks import SWEEP_MAX_RETRIES, SweepLockHeld, ensure_daily_sweep, sweep_stale_deals
from dealcoach.celery import app
from tests.reliability.shape import worker_database_url

AS_OF = dt.date(2025, 6, 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
@pytest.mark.usefixtures("migration_rows")
def test_it_retries_instead_of_reporting_done_while_another_backend_holds_the_lock(settings):
    settings.DEALCOACH_SWEEP_RETRY_SECONDS = 0
    with psycopg.connect(worker_database_url(), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        # Eagerly, each retry runs at once: the task gives up after its bounded retries, as a failure.
        app.conf.task_eager_propagates = False
        try:
            result = sweep_stale_deals.apply(kwargs={"as_of": AS_OF.isoformat()})
        finally:
            app.conf.task_eager_propagates = True
        assert result.state == "FAILURE" and isinstance(result.result, SweepLockHeld)
        assert not SweepRun.objects.exists()
        holder.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
    assert sweep_stale_deals.apply(kwargs={"as_of": AS_OF.isoformat()}).get()["skipped"] is False
    assert SweepRun.objects.filter(as_of=AS_OF).count() == 1
    assert 0 < SWEEP_MAX_RETRIES <= 24


@pytest.mark.django_db
def test_it_starts_the_days_sweep_when_none_completed_by_the_due_hour(settings):
    settings.DEALCOACH_SWEEP_DUE_HOUR = 6
    morning = timezone.make_aware(dt.datetime(2025, 6, 2, 5, 40))
    with time_machine.travel(morning, tick=False):
        assert ensure_daily_sweep.delay().get() == {"started": False}  # not due yet
        assert not sweep_done_today()
    with time_machine.travel(morning + dt.timedelta(hours=1), tick=False):
        assert ensure_daily_sweep.delay().get() == {"started": True}
        assert sweep_done_today()
        assert SweepRun.objects.get().as_of == AS_OF
        assert ensure_daily_sweep.delay().get() == {"started": False}  # done: nothing more
    with time_machine.travel(morning + dt.timedelta(days=1, hours=1), tick=False):
        assert not sweep_done_today()


def test_beat_runs_the_guarantee_hourly():
    tasks = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    guarantee = tasks["coaching.stale.tasks.ensure_daily_sweep"]
    assert guarantee.hour == set(range(24)) and len(guarantee.minute) == 1
