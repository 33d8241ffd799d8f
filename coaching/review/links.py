"""Where the review links to: the deal page, owned by `deals` (`/deals/<id>/`)."""

from __future__ import annotations

from functools import cache

from django.urls import NoReverseMatch, reverse

DEAL_PAGE_NAMES = ("deals:detail", "deals:opportunity_detail", "deals:deal")


@cache
def _deal_url_pattern() -> str:
    for name in DEAL_PAGE_NAMES:
        try:
            return reverse(name, args=[987654321]).replace("987654321", "{id}")
        except NoReverseMatch:
            continue
    return "/deals/{id}/"


def deal_url(opportunity_id: int) -> str:
    return _deal_url_pattern().format(id=opportunity_id)
