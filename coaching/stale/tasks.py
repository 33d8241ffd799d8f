"""Celery tasks: take dates as ISO strings (JSON), call one service.

Scheduled by the beat schedule in dealcoach/celery.py."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import selectors, services

logger = logging.getLogger("dealcoach.stale")

# A sweep that finds another one holding the lock tries again this many times,
# DEALCOACH_SWEEP_RETRY_SECONDS apart; after that the daily guarantee below takes over.
SWEEP_MAX_RETRIES = 12


def _parse_as_of(as_of: str | None) -> dt.date | None:
    return dt.date.fromisoformat(as_of) if as_of else None


class SweepLockHeld(Exception):
    """Another sweep (or a dead worker's backend that PostgreSQL has not reaped yet) holds the lock."""


@shared_task(bind=True, name="coaching.stale.tasks.sweep_stale_deals", soft_time_limit=10 * 60,
             time_limit=12 * 60, max_retries=SWEEP_MAX_RETRIES)
def sweep_stale_deals(self, as_of: str | None = None) -> dict:
    """Raise and clear stale-deal flags for `as_of` (YYYY-MM-DD, default today).

    Finding the sweep lock held is not "done": the other holder may be the
    backend of a worker killed mid-sweep, whose work PostgreSQL is about to roll
    back. Retry later, for the same day, until a sweep of ours completes."""
    day = _parse_as_of(as_of) or timezone.localdate()
    result = services.flags_sweep(as_of=day)
    if result.skipped:
        raise self.retry(kwargs={"as_of": day.isoformat()}, countdown=settings.DEALCOACH_SWEEP_RETRY_SECONDS,
                         exc=SweepLockHeld(f"the stale sweep lock is held; sweeping {day} again later"))
    return result.as_dict()


@shared_task(name="coaching.stale.tasks.ensure_daily_sweep", soft_time_limit=60, time_limit=90)
def ensure_daily_sweep() -> dict:
    """The day's sweep is guaranteed: from DEALCOACH_SWEEP_DUE_HOUR on, each run
    of this task (hourly, by beat) starts a sweep when no completed one exists
    for today. Starting one twice is harmless: sweeps are idempotent."""
    now = timezone.localtime()
    if now.hour < settings.DEALCOACH_SWEEP_DUE_HOUR or selectors.sweep_done_today():
        return {"started": False}
    logger.warning("no completed stale sweep for %s by %02d:00: starting one",
                   now.date(), settings.DEALCOACH_SWEEP_DUE_HOUR)
    sweep_stale_deals.apply_async(kwargs={"as_of": now.date().isoformat()}, expires=55 * 60)
    return {"started": True}


@shared_task(name="coaching.stale.tasks.send_flag_digests", soft_time_limit=10 * 60, time_limit=12 * 60)
def send_flag_digests(as_of: str | None = None) -> dict:
    """Email each owner the flags newly raised on their deals (never twice)."""
    return services.flags_send_digests(as_of=_parse_as_of(as_of))
