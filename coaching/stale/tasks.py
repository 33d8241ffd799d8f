"""Celery tasks: take dates as ISO strings (JSON), call one service.

Scheduled by the beat schedule in dealcoach/celery.py."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import services


def _parse_as_of(as_of: str | None) -> dt.date | None:
    return dt.date.fromisoformat(as_of) if as_of else None


@shared_task(name="coaching.stale.tasks.sweep_stale_deals", soft_time_limit=10 * 60, time_limit=12 * 60)
def sweep_stale_deals(as_of: str | None = None) -> dict:
    """Raise and clear stale-deal flags for `as_of` (YYYY-MM-DD, default today)."""
    return services.flags_sweep(as_of=_parse_as_of(as_of)).as_dict()


@shared_task(name="coaching.stale.tasks.send_flag_digests", soft_time_limit=10 * 60, time_limit=12 * 60)
def send_flag_digests(as_of: str | None = None) -> dict:
    """Email each owner the flags newly raised on their deals (never twice)."""
    return services.flags_send_digests(as_of=_parse_as_of(as_of))
