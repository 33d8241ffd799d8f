"""Readiness: has the daily stale sweep run on time?

Flags are only as fresh as the last sweep. From DEALCOACH_SWEEP_DUE_HOUR on
(the hour from which beat's `ensure_daily_sweep` insists on one), a completed
sweep for today must exist; before that hour, one for yesterday. A new
installation is not blamed for sweeps that were due before it existed (its
first migration)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Min
from django.utils import timezone
from health_check.exceptions import ServiceUnavailable

from dealcoach.ops.health import SyncCheck

from .selectors import sweep_done_today


def sweep_due(*, now: dt.datetime, due_hour: int) -> tuple[dt.date, dt.datetime]:
    """The day of the latest sweep that should be done by `now` (aware, local
    time), and the instant it became due."""
    due_today = dt.datetime.combine(now.date(), dt.time(due_hour), tzinfo=now.tzinfo)
    if now >= due_today:
        return now.date(), due_today
    return now.date() - dt.timedelta(days=1), due_today - dt.timedelta(days=1)


def sweep_overdue_reason(*, now: dt.datetime | None = None) -> str | None:
    """None when the sweep is on time, else why it is not."""
    now = timezone.localtime(now or timezone.now())
    expected, due_at = sweep_due(now=now, due_hour=settings.DEALCOACH_SWEEP_DUE_HOUR)
    if sweep_done_today(today=expected):
        return None
    installed_at = MigrationRecorder.Migration.objects.aggregate(first=Min("applied"))["first"]
    if installed_at is not None and installed_at > due_at:
        return None
    return f"The stale sweep for {expected.isoformat()} has not completed (due since {due_at:%Y-%m-%d %H:%M})."


@dataclasses.dataclass
class SweepCheck(SyncCheck):
    def check(self) -> None:
        reason = sweep_overdue_reason()
        if reason:
            raise ServiceUnavailable(reason)
