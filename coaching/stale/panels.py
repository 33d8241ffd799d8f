"""Stale flags' pieces of the deal pages (registered in `deals.panels` by
`StaleConfig.ready()`): the flags with snooze on the deal page, a flags column
and a flag-kind filter on My deals."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from deals import panels

from .models import Flag
from .selectors import open_flags_for

SERIOUS = {Flag.Kind.DECAYING, Flag.Kind.CLOSE_DATE_PASSED, Flag.Kind.MILESTONE_OVERDUE}


def deal_page_context(*, request, opportunity, as_of: dt.date) -> dict:
    return {"flags": open_flags_for([opportunity.pk]).get(opportunity.pk, [])}


def deal_list_cells(*, user, opportunities, as_of: dt.date) -> dict[int, dict]:
    return {
        opportunity_id: {"badges": [
            (flag.get_kind_display(), "ok" if flag.status_on(as_of) == "snoozed" else
             "danger" if flag.kind in SERIOUS else "warn", flag.reason)
            for flag in flags
        ]}
        for opportunity_id, flags in open_flags_for(o.pk for o in opportunities).items()
    }


def filter_by_kind(queryset: QuerySet, value: str) -> QuerySet:
    if value not in Flag.Kind.values:
        return queryset
    return queryset.filter(Exists(Flag.objects.filter(opportunity=OuterRef("pk"), kind=value, cleared_at__isnull=True)))


def register() -> None:
    panels.register_page_panel(panels.DealPagePanel(
        key="flags", title="Flags", order=30, template="stale/_partials/flags.html", context=deal_page_context,
    ))
    panels.register_list_column(panels.DealListColumn(
        key="flags", label="Flags", order=30, template="deals/_partials/badges_cell.html", cells=deal_list_cells,
    ))
    panels.register_list_filter(panels.DealListFilter(
        key="flag", label="Flag", choices=Flag.Kind.choices, apply=filter_by_kind, order=30,
    ))
