"""Where the review links to: the deal page, owned by `deals` (`/deals/<id>/`)."""

from __future__ import annotations

from functools import cache

from django.urls import reverse


@cache
def _deal_url_pattern() -> str:
    """Reversed once: the review links every row of a page to its deal."""
    return reverse("deals:detail", args=[987654321]).replace("987654321", "{id}")


def deal_url(opportunity_id: int) -> str:
    return _deal_url_pattern().format(id=opportunity_id)
