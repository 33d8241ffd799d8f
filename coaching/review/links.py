"""Where the review links to: the deal page, owned by `deals` (`/deals/<id>/`), and from each
listed deal its coaching sheet and "Coach this deal"."""

from __future__ import annotations

from functools import cache

from django.urls import reverse

PLACEHOLDER = 987654321


@cache
def _pattern(url_name: str) -> str:
    """Reversed once per name: a page lists up to 155 deals, and `reverse` costs ~40 µs a call."""
    return reverse(url_name, args=[PLACEHOLDER]).replace(str(PLACEHOLDER), "{id}")


def deal_url(opportunity_id: int) -> str:
    return _pattern("deals:detail").format(id=opportunity_id)


def coaching_sheet_url(opportunity_id: int) -> str:
    return _pattern("review:coaching_sheet").format(id=opportunity_id)


def coach_url(opportunity_id: int) -> str:
    """Where "Coach this deal" posts: a coaching session started on the deal."""
    return _pattern("coaching_sessions:start").format(id=opportunity_id)
