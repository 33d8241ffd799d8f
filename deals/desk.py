"""Reads for the rep's desk (My deals and the deal page), built on the
permission-scoped selectors: every queryset here starts from
`opportunities_visible_to` or from a deal already fetched with permission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Q, QuerySet
from django.http import Http404

from dealcoach.models import User
from dealcoach.permissions import visible_users_q

from . import panels
from .models import Activity, DealRole, Opportunity, OpportunityFieldChange, Stage
from .political_map import MapEntry, PoliticalMap, anchors_of, build_political_map
from .selectors import opportunities_visible_to

PAGE_SIZE = 25
SORT_FIELDS = {
    "close": "expected_close_date",
    "amount": "amount",
    "stage": "stage__order",
    "updated": "updated_at",
}


def owners_visible_to(user) -> list[User]:
    """People whose deals `user` can filter by (themselves, or their team)."""
    return list(User.objects.filter(visible_users_q(user), is_active=True).order_by("first_name", "username"))


def deal_list_queryset(*, user, query: dict[str, Any], extra_filters=()) -> QuerySet[Opportunity]:
    qs = opportunities_visible_to(user).select_related("account", "stage", "owner")
    if query["status"] != "all":
        qs = qs.filter(status=query["status"])
    if query.get("stage"):
        qs = qs.filter(stage=query["stage"])
    if query.get("forecast"):
        qs = qs.filter(forecast_category=query["forecast"])
    if query.get("owner"):
        qs = qs.filter(owner=query["owner"])
    if query.get("q"):
        term = query["q"].strip()
        qs = qs.filter(Q(name__icontains=term) | Q(account__name__icontains=term))
    for list_filter in extra_filters:
        if query.get(list_filter.key):
            qs = list_filter.apply(qs, query[list_filter.key])
    return _sorted(qs, query["sort"])


def _sorted(qs: QuerySet[Opportunity], sort: str) -> QuerySet[Opportunity]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column = panels.sort_column(key)
    if column is not None:
        qs = column.sort(qs)
        field = f"sort_{key}"
    else:
        field = SORT_FIELDS.get(key, "expected_close_date")
    expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return qs.order_by(expression, "-id" if descending else "id")


def paginate(qs: QuerySet, page_number) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(page_number)


def has_any_deal(user) -> bool:
    return opportunities_visible_to(user).exists()


# --- The deal page --------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    change: OpportunityFieldChange
    label: str
    old: str
    new: str
    kind: str  # "slip", "pulled_in", "stage_back", "stage_forward", "set", "change"


FIELD_LABELS = {
    "expected_close_date": "Close date", "amount": "Amount", "stage": "Stage",
    "forecast_category": "Forecast category", "status": "Status",
}


def deal_history(opportunity: Opportunity, stages: list[Stage]) -> list[HistoryEntry]:
    """Close-date slips, stage moves and the other tracked changes, newest first."""
    by_slug = {s.slug: s for s in stages}
    entries = []
    for change in opportunity.field_changes.select_related("changed_by").order_by("-changed_at", "-id"):
        old, new = change.old_value, change.new_value
        kind = "change" if old else "set"
        if change.field == "expected_close_date" and old and new:
            kind = "slip" if new > old else "pulled_in"
        elif change.field == "stage":
            before, after = by_slug.get(old), by_slug.get(new)
            if before and after:
                kind = "stage_back" if after.order < before.order else "stage_forward"
            old = before.name if before else old
            new = after.name if after else new
        entries.append(HistoryEntry(change, FIELD_LABELS.get(change.field, change.field), old, new, kind))
    return entries


def last_contacts(opportunity: Opportunity) -> dict[int, dt.datetime]:
    """When each stakeholder last took part in an activity on this deal."""
    rows = (
        Activity.objects.alive().filter(opportunity=opportunity, stakeholders__isnull=False)
        .values("stakeholders").annotate(last=Max("occurred_at"))
    )
    return {row["stakeholders"]: row["last"] for row in rows}


def political_map_for(opportunity: Opportunity, *, today: dt.date) -> PoliticalMap:
    contacts = last_contacts(opportunity)
    roles = (
        DealRole.objects.filter(opportunity=opportunity, stakeholder__deleted_at__isnull=True)
        .select_related("stakeholder")
    )
    entries = [
        MapEntry(
            role_id=r.id, role=r.role, role_label=r.get_role_display(), stakeholder_id=r.stakeholder_id,
            name=r.stakeholder.name, title=r.stakeholder.title, seniority=r.stakeholder.seniority,
            stance=r.stance, influence=r.influence, strength=r.strength,
            leans_to_competitor=r.leans_to_competitor, last_contact=contacts.get(r.stakeholder_id),
        )
        for r in roles
    ]
    return build_political_map(entries, today=today)


def timeline_for(opportunity: Opportunity, *, limit: int = 100) -> list[Activity]:
    return list(
        opportunity.activities.alive().select_related("logged_by").prefetch_related("stakeholders")
        .order_by("-occurred_at", "-id")[:limit]
    )


def people_at_account(opportunity: Opportunity):
    return opportunity.account.stakeholders.alive().order_by("name")


def anchors_for(opportunity: Opportunity):
    return anchors_of(
        budget_status=opportunity.budget_status, budget_status_label=opportunity.get_budget_status_display(),
        budget_amount=opportunity.budget_amount, currency=opportunity.currency,
        go_live_date=opportunity.go_live_date, compelling_event=opportunity.compelling_event,
        consequence_if_missed=opportunity.consequence_if_missed, success_criteria=opportunity.success_criteria,
    )


def deal_role_get(*, opportunity: Opportunity, role_id) -> DealRole:
    """A role on a deal the caller already fetched with permission."""
    try:
        return DealRole.objects.select_related("stakeholder").get(opportunity=opportunity, pk=role_id)
    except (DealRole.DoesNotExist, ValueError, TypeError):
        raise Http404("No such role on this deal.") from None
