"""The close plan's pieces of the deal pages (registered in `deals.panels` by
`CloseplanConfig.ready()`): a summary panel on the deal page, a "sign by ·
next milestone" column and a plan filter on My deals."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from deals import panels

from .models import Milestone
from .schedule import SIGNING_KEY
from .selectors import customer_waiting_counts, plan_summaries_with_next_milestone

PLAN_FILTER_CHOICES = [
    ("none", "No close plan"),
    ("not_validated", "Not validated by the customer"),
    ("validated", "Validated and unchanged"),
    ("changed", "Changed since validation"),
    ("overdue", "Milestone overdue"),
]


def deal_page_context(*, request, opportunity, as_of: dt.date) -> dict:
    found = plan_summaries_with_next_milestone(opportunity_ids=[opportunity.pk], as_of=as_of).get(
        opportunity.pk
    )
    summary, next_milestone = found if found else (None, None)
    return {
        "plan_summary": summary,
        "next_milestone": next_milestone,
        "plan_url": reverse("closeplan:plan", args=[opportunity.pk]),
        "share_url": reverse("closeplan:share_email", args=[opportunity.pk]) if summary else None,
        # The share flow's one query on the deal page.
        "customer_waiting": customer_waiting_counts(opportunity_ids=[opportunity.pk]).get(opportunity.pk, 0)
        if summary else 0,
    }


def deal_list_cells(*, user, opportunities, as_of: dt.date) -> dict[int, dict]:
    ids = [o.pk for o in opportunities]
    found = plan_summaries_with_next_milestone(opportunity_ids=ids, as_of=as_of)
    waiting = customer_waiting_counts(opportunity_ids=ids)  # one query for the whole page
    return {
        opportunity_id: {
            "plan_summary": summary,
            "next_milestone": next_milestone,
            "plan_url": reverse("closeplan:plan", args=[opportunity_id]),
            "customer_waiting": waiting.get(opportunity_id, 0),
        }
        for opportunity_id, (summary, next_milestone) in found.items()
    }


def sort_by_sign_by(queryset: QuerySet) -> QuerySet:
    """`sort_closeplan`: the stored latest finish of contract_signed (the sign-by date)."""
    sign_by = Milestone.objects.filter(plan__opportunity=OuterRef("pk"), key=SIGNING_KEY).values(
        "latest_finish"
    )[:1]
    return queryset.annotate(sort_closeplan=Subquery(sign_by))


def filter_by_plan(queryset: QuerySet, value: str) -> QuerySet:
    if value == "none":
        return queryset.filter(close_plan__isnull=True)
    if value == "not_validated":
        return queryset.filter(close_plan__isnull=False, close_plan__validated_version__isnull=True)
    if value == "validated":
        return queryset.filter(close_plan__validated_version=F("close_plan__version"))
    if value == "changed":
        return queryset.filter(close_plan__validated_version__isnull=False).exclude(
            close_plan__validated_version=F("close_plan__version")
        )
    if value == "overdue":
        overdue = Milestone.objects.filter(
            Q(done_on__isnull=True), plan__opportunity=OuterRef("pk"), latest_finish__lt=timezone.localdate()
        )
        return queryset.filter(Exists(overdue))
    return queryset


def register() -> None:
    panels.register_page_panel(
        panels.DealPagePanel(
            key="closeplan",
            title="Close plan",
            order=20,
            template="closeplan/_partials/plan_summary.html",
            context=deal_page_context,
        )
    )
    panels.register_list_column(
        panels.DealListColumn(
            key="closeplan",
            label="Sign by · next milestone",
            order=20,
            template="closeplan/_partials/list_cell.html",
            cells=deal_list_cells,
            sort=sort_by_sign_by,
        )
    )
    panels.register_list_filter(
        panels.DealListFilter(
            key="plan", label="Close plan", choices=PLAN_FILTER_CHOICES, apply=filter_by_plan, order=20
        )
    )
