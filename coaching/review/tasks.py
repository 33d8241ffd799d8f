"""Celery tasks: take dates as ISO strings (JSON), call one service.
Scheduled on Monday mornings by the beat schedule in dealcoach/celery.py."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import services


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="coaching.review.tasks.pipeline_snapshot_take", soft_time_limit=10 * 60, time_limit=12 * 60)
def pipeline_snapshot_take(week: str | None = None) -> int:
    """Snapshot every open deal for the week of `week` (YYYY-MM-DD, default this week)."""
    return services.pipeline_snapshot_take(week=_date(week))


@shared_task(
    name="coaching.review.tasks.send_weekly_review_digests", soft_time_limit=20 * 60, time_limit=25 * 60
)
def send_weekly_review_digests(as_of: str | None = None) -> dict:
    """Email each manager this week's review summary (once per manager per week)."""
    return services.review_digests_send(as_of=_date(as_of))
