"""RSVP's pieces of the deal pages (registered in `deals.panels` by
`RsvpConfig.ready()`): the scorecard with the rep's answers on the deal page,
the four R/S/V/P chips as a sortable column of My deals, and an RSVP filter."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from deals import panels

from .models import DealScore
from .selectors import coaching_context
from .store import DIMENSIONS

FILTER_CHOICES = [
    ("any_red", "Any dimension red"),
    *((f"red_{d}", f"{d.capitalize()} red") for d in DIMENSIONS),
    ("all_green", "All four green"),
    ("unscored", "Not scored yet"),
]


def deal_page_context(*, request, opportunity, as_of: dt.date) -> dict:
    return coaching_context(opportunity=opportunity, as_of=as_of)


def deal_list_cells(*, user, opportunities, as_of: dt.date) -> dict[int, dict]:
    """The stored scores of the page's deals, one query; unscored deals show grey chips."""
    ids = [o.pk for o in opportunities]
    scores = {s.opportunity_id: s for s in DealScore.objects.filter(opportunity_id__in=ids).defer("summary")}
    return {pk: {"score": scores.get(pk)} for pk in ids}


def sort_by_overall(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(sort_rsvp=F("deal_score__overall"))


def filter_by_status(queryset: QuerySet, value: str) -> QuerySet:
    if value == "any_red":
        any_red = Q()
        for dimension in DIMENSIONS:
            any_red |= Q(**{f"deal_score__{dimension}_status": "red"})
        return queryset.filter(any_red)
    if value.startswith("red_") and value[4:] in DIMENSIONS:
        return queryset.filter(**{f"deal_score__{value[4:]}_status": "red"})
    if value == "all_green":
        return queryset.filter(**{f"deal_score__{d}_status": "green" for d in DIMENSIONS})
    if value == "unscored":
        return queryset.filter(deal_score__isnull=True)
    return queryset


def register() -> None:
    panels.register_page_panel(panels.DealPagePanel(
        key="rsvp", title="RSVP scorecard", order=10, template="rsvp/_partials/deal_panel.html",
        context=deal_page_context, headline="rsvp/_partials/headline.html",
    ))
    panels.register_list_column(panels.DealListColumn(
        key="rsvp", label="RSVP", order=10, template="rsvp/_partials/chips.html", cells=deal_list_cells,
        sort=sort_by_overall,
    ))
    panels.register_list_filter(panels.DealListFilter(
        key="rsvp", label="RSVP", choices=FILTER_CHOICES, apply=filter_by_status, order=10,
    ))
