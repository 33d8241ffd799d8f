"""Celery tasks of the close plan: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    name="coaching.closeplan.tasks.refresh_latest_dates", soft_time_limit=10 * 60, time_limit=12 * 60
)
def refresh_latest_dates(plan_ids: list[int] | None = None) -> int:
    """Recompute the stored latest dates of these plans (all when None): the holidays changed."""
    return services.plans_refresh_latest_dates(plan_ids=plan_ids)
