"""Readiness: has the daily stale sweep run on time?

Flags are only as fresh as the last sweep. Once the sweep's hour (the beat
schedule's `stale-sweep-daily`) plus DEALCOACH_SWEEP_GRACE_MINUTES has passed,
a sweep for today must be recorded; before that, one for yesterday. A new
installation is not blamed for sweeps due before it existed (its first
migration)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Min
from django.utils import timezone
from health_check.exceptions import ServiceUnavailable

from dealcoach.ops.health import SyncCheck

from .selectors import sweep_latest_as_of

SWEEP_SCHEDULE_NAME = "stale-sweep-daily"


def sweep_due(*, now: dt.datetime, sweep_at: dt.time, grace: dt.timedelta) -> tuple[dt.date, dt.datetime]:
    """The `as_of` of the latest sweep that should be done by `now` (aware,
    local time), and the instant it was due."""
    due_today = dt.datetime.combine(now.date(), sweep_at, tzinfo=now.tzinfo) + grace
    if now >= due_today:
        return now.date(), due_today
    return now.date() - dt.timedelta(days=1), due_today - dt.timedelta(days=1)


def sweep_time_of_day() -> dt.time:
    """When beat starts the daily sweep (first hour and minute of its crontab)."""
    from dealcoach.celery import app

    schedule = app.conf.beat_schedule[SWEEP_SCHEDULE_NAME]["schedule"]
    return dt.time(min(schedule.hour), min(schedule.minute))


def sweep_overdue_reason(*, now: dt.datetime | None = None) -> str | None:
    """None when the sweep is on time, else why it is not."""
    now = timezone.localtime(now or timezone.now())
    grace = dt.timedelta(minutes=settings.DEALCOACH_SWEEP_GRACE_MINUTES)
    expected, due_at = sweep_due(now=now, sweep_at=sweep_time_of_day(), grace=grace)
    latest = sweep_latest_as_of()
    if latest is not None and latest >= expected:
        return None
    installed_at = MigrationRecorder.Migration.objects.aggregate(first=Min("applied"))["first"]
    if latest is None and installed_at is not None and installed_at > due_at:
        return None
    last = latest.isoformat() if latest else "never"
    return f"The stale sweep for {expected.isoformat()} has not run (due by {due_at:%Y-%m-%d %H:%M}; last: {last})."


@dataclasses.dataclass
class SweepCheck(SyncCheck):
    def check(self) -> None:
        reason = sweep_overdue_reason()
        if reason:
            raise ServiceUnavailable(reason)
