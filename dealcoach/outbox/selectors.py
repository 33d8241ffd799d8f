"""Reads of the outbox, for monitoring."""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone

from .models import OutboxMessage


def outbox_backlog() -> dict[str, float]:
    """Messages not yet accepted by the broker, and the age in seconds of the oldest."""
    row = OutboxMessage.objects.filter(dispatched_at__isnull=True).aggregate(count=Count("id"), oldest=Min("created_at"))
    oldest = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return {"count": float(row["count"]), "oldest_age_seconds": max(0.0, oldest)}
