"""What changed since last week: each team deal now against its row in last
week's `PipelineSnapshot`, and, for a deal that has no such row (new, or no
snapshot was taken), its `OpportunityFieldChange` history since then.

Kinds: new deals, won, lost, close date slipped (with how often the deal has
slipped in all), amount changed, stage moved back. One query for the rows
shown (largest first) with the count of every kind; one for slips per week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from deals.models import Opportunity, OpportunityFieldChange, Stage

from .links import deal_url
from .selectors import ReviewScope, team_deals

CHANGE_KINDS: tuple[tuple[str, str], ...] = (
    ("new", "New deals"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("slipped", "Close date slipped"),
    ("amount", "Amount changed"),
    ("stage_back", "Stage moved back"),
)
CHANGE_LABELS = dict(CHANGE_KINDS)
CHANGE_ROWS = 100
SLIP_WEEKS = 12


@dataclass(frozen=True)
class ChangeRow:
    opportunity: Opportunity
    kinds: tuple[str, ...]
    url: str

    @property
    def slip_count(self) -> int:
        return self.opportunity.slip_count

    @property
    def kind_labels(self) -> list[str]:
        return [CHANGE_LABELS[kind] for kind in self.kinds]


@dataclass(frozen=True)
class Changes:
    since: dt.date
    counts: dict[str, int]
    rows: list[ChangeRow]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows_of(self, kind: str) -> list[ChangeRow]:
        return [row for row in self.rows if kind in row.kinds]

    @property
    def sections(self) -> list[tuple[str, str, int, list[ChangeRow]]]:
        return [(key, label, self.counts.get(key, 0), self.rows_of(key)) for key, label in CHANGE_KINDS]


def _history(field: str, since: dt.datetime):
    return OpportunityFieldChange.objects.filter(opportunity=OuterRef("pk"), field=field, changed_at__gte=since)


def slips_q(queryset):
    """Field changes that moved the close date later (ISO dates sort as text)."""
    return queryset.exclude(old_value="").exclude(new_value="").filter(new_value__gt=F("old_value"))


def slip_count() -> Coalesce:
    """How often the deal's close date has slipped, in all its history."""
    slips = (
        slips_q(OpportunityFieldChange.objects.filter(opportunity=OuterRef("pk"), field="expected_close_date"))
        .order_by()
        .values("opportunity")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(slips, output_field=IntegerField()), Value(0))


def _stage_regressed(since: dt.datetime) -> Exists:
    moves = _history("stage", since).exclude(old_value="").annotate(
        old_order=Subquery(Stage.objects.filter(slug=OuterRef("old_value")).values("order")[:1]),
        new_order=Subquery(Stage.objects.filter(slug=OuterRef("new_value")).values("order")[:1]),
    )
    return Exists(moves.filter(old_order__gt=F("new_order")))


def change_conditions(scope: ReviewScope) -> dict[str, Q]:
    """One condition per change kind, over deals annotated by `_with_baseline`."""
    since = timezone.make_aware(dt.datetime.combine(scope.baseline_week, dt.time.min))
    had = Q(prev_id__isnull=False)
    unseen = ~had  # no row in last week's snapshot: fall back to the field history
    return {
        "new": unseen & Q(created_at__gte=since),
        "won": Q(status="won") & (Q(prev_status="open") | unseen & Exists(_history("status", since).filter(new_value="won"))),
        "lost": Q(status="lost") & (Q(prev_status="open") | unseen & Exists(_history("status", since).filter(new_value="lost"))),
        "slipped": (had & Q(expected_close_date__gt=F("prev_close")))
        | (unseen & Exists(slips_q(_history("expected_close_date", since)))),
        "amount": (had & ~Q(amount=F("prev_amount")))
        | (unseen & ~Q(created_at__gte=since) & Exists(_history("amount", since).exclude(old_value=""))),
        "stage_back": (had & Q(stage__order__lt=F("prev_stage_order"))) | (unseen & _stage_regressed(since)),
    }


def _with_baseline(scope: ReviewScope):
    return team_deals(scope).annotate(
        prev=FilteredRelation("pipeline_snapshots", condition=Q(pipeline_snapshots__week=scope.baseline_week)),
        prev_id=F("prev__id"),
        prev_status=F("prev__status"),
        prev_amount=F("prev__amount"),
        prev_close=F("prev__expected_close_date"),
        prev_stage_order=F("prev__stage__order"),
    )


def weekly_changes(scope: ReviewScope, *, limit: int = CHANGE_ROWS) -> Changes:
    conditions = change_conditions(scope)
    flags = {f"is_{kind}": Case(When(q, then=Value(1)), default=Value(0)) for kind, q in conditions.items()}
    any_change = Q()
    for q in conditions.values():
        any_change |= q
    deals = (
        _with_baseline(scope)
        .filter(any_change)
        .annotate(**flags)
        .annotate(
            **{f"n_{kind}": Window(Sum(f"is_{kind}")) for kind in conditions},
            slip_count=slip_count(),
        )
        # No account: nothing shows it, and joining it costs an index probe per team deal
        # (the window counts make PostgreSQL build every changed row before the LIMIT).
        .select_related("owner", "stage")
        # The columns the section and the digest show: the window sort carries every changed row.
        .only("name", "amount", "currency", "expected_close_date", "lost_reason", "owner__first_name",
              "owner__last_name", "owner__username", "stage__name")
        .order_by("-amount", "id")[:limit]
    )
    rows: list[ChangeRow] = []
    counts = {kind: 0 for kind in conditions}
    for deal in deals:
        counts = {kind: int(getattr(deal, f"n_{kind}") or 0) for kind in conditions}
        kinds = tuple(kind for kind in conditions if getattr(deal, f"is_{kind}"))
        rows.append(ChangeRow(opportunity=deal, kinds=kinds, url=deal_url(deal.pk)))
    return Changes(since=scope.baseline_week, counts=counts, rows=rows)


def slips_by_week(scope: ReviewScope, *, weeks: int = SLIP_WEEKS) -> list[tuple[dt.date, int]]:
    """Close-date slips per week over the last `weeks` weeks, oldest first (empty weeks included)."""
    first = scope.week - dt.timedelta(weeks=weeks - 1)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    changes = slips_q(
        OpportunityFieldChange.objects.filter(
            opportunity__in=team_deals(scope), field="expected_close_date", changed_at__gte=since
        )
    )
    per_week = (
        changes.annotate(week=TruncWeek("changed_at")).order_by().values("week").annotate(n=Count("id"))
    )
    counts: dict[dt.date, int] = {}
    for row in per_week:
        week = row["week"]
        week = timezone.localtime(week).date() if isinstance(week, dt.datetime) else week
        counts[week] = counts.get(week, 0) + row["n"]
    return [(first + dt.timedelta(weeks=i), counts.get(first + dt.timedelta(weeks=i), 0)) for i in range(weeks)]
