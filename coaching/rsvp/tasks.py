"""Celery entry points for RSVP coaching. Thin: parse, call one service."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services import deal_scores_recompute, deal_scores_recompute_all, score_snapshots_take


@shared_task(name="coaching.rsvp.tasks.rescore_all")
def rescore_all(as_of: str | None = None) -> dict[str, int]:
    """Rescore every open deal as of a day (ISO date; default today), then
    refresh that week's snapshot. Run nightly: scores age as engagement gets
    older even when no deal changes. Safe to run twice."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    scored = deal_scores_recompute_all(as_of=day)
    snapshots = score_snapshots_take(week=day)
    return {"scored": scored, "snapshots": snapshots}


@shared_task(name="coaching.rsvp.tasks.rescore_deals")
def rescore_deals(opportunity_ids: list[int]) -> int:
    """Rescore these deals as of today (large batches from bulk imports)."""
    return deal_scores_recompute(opportunity_ids=opportunity_ids)
