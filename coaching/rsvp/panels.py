"""RSVP's pieces of the deal pages (registered in `deals.panels` by
`RsvpConfig.ready()`): the scorecard with the rep's answers on the deal page,
the four R/S/V/P chips as a sortable column of My deals."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet

from deals import panels

from .models import DealScore
from .selectors import coaching_context


def deal_page_context(*, request, opportunity, as_of: dt.date) -> dict:
    return coaching_context(opportunity=opportunity, as_of=as_of)


def deal_list_cells(*, user, opportunities, as_of: dt.date) -> dict[int, dict]:
    """The stored scores of the page's deals, one query; unscored deals show grey chips."""
    scores = {s.opportunity_id: s for s in DealScore.objects.filter(opportunity_id__in=[o.pk for o in opportunities])}
    return {o.pk: {"score": scores.get(o.pk)} for o in opportunities}


def sort_by_overall(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(sort_rsvp=F("deal_score__overall"))


def register() -> None:
    panels.register_page_panel(panels.DealPagePanel(
        key="rsvp", title="RSVP scorecard", order=10, template="rsvp/_partials/deal_panel.html",
        context=deal_page_context,
    ))
    panels.register_list_column(panels.DealListColumn(
        key="rsvp", label="RSVP", order=10, template="rsvp/_partials/chips.html", cells=deal_list_cells,
        sort=sort_by_overall,
    ))
