"""Reads of the history Insights is built from, always within an
`InsightsScope` (the owners the viewer may see, the period).

A constant handful of queries whatever the size of the team: the closed deals
of the period come back as one row each, with the RSVP scores they stood at
(at Propose entry, 4 weeks before close, at close) found by correlated
subqueries on the snapshots' (deal, week) index; each past week's forecasts
are summed in SQL once and kept (`ForecastWeek`); nothing is read row by row
per snapshot.

A closed deal's close date is its expected close date, as everywhere in the
app (the review's "closed this quarter" counts won deals the same way).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncQuarter
from django.utils import timezone

from coaching.closeplan.models import ClosePlan
from coaching.review.models import PipelineSnapshot
from coaching.review.periods import quarter_bounds
from coaching.review.selectors import review_stages
from coaching.rsvp.models import ScoreSnapshot
from dealcoach.dates import week_start
from dealcoach.lookups import AnyOf
from dealcoach.permissions import visible_owner_ids_q
from deals.models import Activity, Opportunity, OpportunityFieldChange, Stage

from .models import ForecastWeek
from .scope import InsightsScope

DIMENSIONS = ("relationships", "strategy", "value", "process")
SCORE_COLUMNS = ("overall", *DIMENSIONS)
MOMENTS = ("propose", "before_close", "at_close")
BEFORE_CLOSE = dt.timedelta(weeks=4)
PROPOSE = "propose"


@dataclass(frozen=True, slots=True)
class ClosedDeal:
    id: int
    name: str
    owner_id: int
    amount: float
    currency: str
    won: bool
    lost_reason: str
    stage_slug: str
    closed_on: dt.date
    validated_plan: bool  # the customer validated the close plan on or before the close date
    economic_buyer: bool  # an economic buyer of the deal took part in an activity before the close
    scores: dict  # moment -> {"overall": n, "relationships": n, ...}, only the moments with a snapshot


def stages(scope: InsightsScope) -> list[Stage]:
    if "stages" not in scope.memo:
        scope.memo["stages"] = review_stages()
    return scope.memo["stages"]


def _scope_deals(scope: InsightsScope):
    # The owners are named by id (the (owner, status) index), the visibility rule applied on top.
    return Opportunity.objects.alive().filter(visible_owner_ids_q(scope.viewer), owner_id__in=scope.owner_ids)


# A snapshot's five scores (each 0-100) packed into one integer, three digits each, so the
# correlated subquery that finds a deal's snapshot returns its scores too: one index probe per
# deal and moment, and no second query fetching thousands of snapshots by id.
PACK = 1000


def _snapshot_before(day) -> Subquery:
    """The scores of the deal's latest snapshot taken on or before `day`, packed (see `unpack_scores`)."""
    packed = Cast(SCORE_COLUMNS[0], BigIntegerField())  # the columns are smallints: widen before multiplying
    for column in SCORE_COLUMNS[1:]:
        packed = packed * PACK + F(column)
    return Subquery(
        ScoreSnapshot.objects.filter(opportunity=OuterRef("pk"), week__lte=day)
        .order_by("-week").annotate(packed=ExpressionWrapper(packed, output_field=BigIntegerField()))
        .values("packed")[:1]
    )


def unpack_scores(packed: int) -> dict[str, int]:
    values = []
    for _ in SCORE_COLUMNS:
        packed, value = divmod(packed, PACK)
        values.append(value)
    return dict(zip(SCORE_COLUMNS, reversed(values), strict=True))


def closed_deals(scope: InsightsScope) -> list[ClosedDeal]:
    """The deals won or lost in the period, one row each. One query."""
    if "closed" in scope.memo:
        return scope.memo["closed"]
    ordered = stages(scope)
    propose_order = next((s.order for s in ordered if s.slug == PROPOSE), None)
    late_slugs = [s.slug for s in ordered if propose_order is not None and s.order >= propose_order]
    slug_of = {s.pk: s.slug for s in ordered}
    entered_propose = Subquery(
        OpportunityFieldChange.objects.filter(opportunity=OuterRef("pk"), field="stage", new_value__in=late_slugs)
        .order_by("changed_at").values("changed_at")[:1]
    )
    close = OuterRef("expected_close_date")
    rows = (
        _scope_deals(scope)
        .filter(status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
                expected_close_date__gte=scope.start, expected_close_date__lte=scope.end)
        .order_by()
        .annotate(
            entered_propose_on=TruncDate(entered_propose),
            before_close_on=ExpressionWrapper(F("expected_close_date") - BEFORE_CLOSE, output_field=DateField()),
        )
        .annotate(
            propose_snapshot=_snapshot_before(OuterRef("entered_propose_on")),
            before_close_snapshot=_snapshot_before(OuterRef("before_close_on")),
            at_close_snapshot=_snapshot_before(close),
            validated_plan=Exists(ClosePlan.objects.filter(
                opportunity=OuterRef("pk"), validated_at__isnull=False, validated_at__date__lte=close)),
            economic_buyer=Exists(Activity.objects.alive().filter(
                opportunity=OuterRef("pk"), occurred_at__date__lte=close,
                stakeholders__deal_roles__opportunity=OuterRef("pk"),
                stakeholders__deal_roles__role="economic_buyer")),
        )
        .values_list("id", "name", "owner_id", "amount", "currency", "status", "lost_reason", "stage_id",
                     "expected_close_date", "validated_plan", "economic_buyer",
                     "propose_snapshot", "before_close_snapshot", "at_close_snapshot")
    )
    deals = []
    for (pk, name, owner_id, amount, currency, status, reason, stage_id, closed_on, validated, buyer,
         *moment_ids) in rows:
        scores = {moment: unpack_scores(packed) for moment, packed in zip(MOMENTS, moment_ids, strict=True)
                  if packed is not None}
        deals.append(ClosedDeal(
            id=pk, name=name, owner_id=owner_id, amount=float(amount), currency=currency,
            won=status == Opportunity.Status.WON, lost_reason=reason, stage_slug=slug_of.get(stage_id, ""),
            closed_on=closed_on, validated_plan=bool(validated), economic_buyer=bool(buyer), scores=scores,
        ))
    scope.memo["closed"] = deals
    return deals


def stage_entries(scope: InsightsScope) -> dict[int, dict[str, dt.date]]:
    """deal id -> {stage slug: the day it first entered that stage}, for the closed deals. One query."""
    ids = [deal.id for deal in closed_deals(scope)]
    entries: dict[int, dict[str, dt.date]] = defaultdict(dict)
    if not ids:
        return entries
    rows = (
        OpportunityFieldChange.objects.filter(AnyOf(F("opportunity_id"), ids), field="stage")
        .exclude(new_value="").order_by()
        .values_list("opportunity_id", "new_value").annotate(first=Min(TruncDate("changed_at")))
    )
    for deal_id, slug, first in rows:
        entries[deal_id][slug] = first
    return entries


def close_date_moves(scope: InsightsScope) -> dict[int, list[tuple[dt.date | None, dt.date | None]]]:
    """deal id -> its close-date changes (old, new) in order, for the closed deals. One query."""
    ids = [deal.id for deal in closed_deals(scope)]
    moves: dict[int, list] = defaultdict(list)
    if not ids:
        return moves
    rows = (
        OpportunityFieldChange.objects.filter(AnyOf(F("opportunity_id"), ids), field="expected_close_date")
        .order_by("opportunity_id", "changed_at", "id").values_list("opportunity_id", "old_value", "new_value")
    )
    for deal_id, old, new in rows:
        moves[deal_id].append((_date(old), _date(new)))
    return moves


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


# --- forecasts -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WeeklyForecast:
    """What one owner's open deals due in `week`'s quarter added up to in that week's snapshot."""

    week: dt.date
    owner_id: int
    currency: str
    commit: float
    best_case: float  # Commit plus Best Case: what the rep said could close
    weighted: float  # amount × stage probability
    propensity: float  # amount × propensity (stage probability decayed by silence)


def _period_weeks(scope: InsightsScope) -> list[dt.date]:
    week = week_start(scope.start)
    if week < scope.start:
        week += dt.timedelta(days=7)
    weeks = []
    while week <= scope.end:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


def _summed_snapshots(owner_ids: list[int], weeks: list[dt.date]) -> list[WeeklyForecast]:
    """Each (week, owner, currency)'s forecasts for the week's quarter, summed in SQL from the
    pipeline snapshots (through their (owner, week) index)."""
    if not owner_ids or not weeks:
        return []
    in_quarter = Q(close_quarter=F("week_quarter"))
    counted = in_quarter & ~Q(forecast_category__in=["omitted", "closed"])
    probability = Cast(F("stage__probability"), FloatField()) / 100.0
    amount = Cast(F("amount"), FloatField())
    rows = (
        PipelineSnapshot.objects.filter(owner_id__in=owner_ids, week__in=weeks, status="open",
                                        expected_close_date__isnull=False)
        .order_by()
        .annotate(close_quarter=TruncQuarter("expected_close_date"), week_quarter=TruncQuarter("week"))
        .values("week", "owner_id", "currency")
        .annotate(
            commit=Sum(amount, filter=in_quarter & Q(forecast_category="commit"), default=0.0),
            best_case=Sum(amount, filter=in_quarter & Q(forecast_category__in=["commit", "best_case"]),
                          default=0.0),
            weighted=Sum(amount * probability, filter=counted, default=0.0),
            propensity=Sum(amount * Coalesce(F("propensity"), probability), filter=counted, default=0.0),
        )
        .values_list("week", "owner_id", "currency", "commit", "best_case", "weighted", "propensity")
    )
    return [WeeklyForecast(_as_date(week), owner, currency, float(c), float(b), float(w), float(p))
            for week, owner, currency, c, b, w, p in rows]


def weekly_forecasts(scope: InsightsScope) -> list[WeeklyForecast]:
    """Every owner's forecasts in each past week of the period (the current
    week's snapshot may still grow). Read from `ForecastWeek`; a week read for
    the first time is summed from its snapshot and stored. One query, three
    the first time a week is read."""
    this_week = week_start(scope.as_of)
    weeks = [week for week in _period_weeks(scope) if week < this_week]
    stored = list(ForecastWeek.objects.filter(owner_id__in=scope.owner_ids, week__in=weeks)
                  .values_list("week", "owner_id", "currency", "commit", "best_case", "weighted", "propensity"))
    missing = {(week, owner) for week in weeks for owner in scope.owner_ids} - {(w, o) for w, o, *_ in stored}
    rows = [WeeklyForecast(week, owner, currency, c, b, w, p)
            for week, owner, currency, c, b, w, p in stored if currency]
    if missing:
        summed = [r for r in _summed_snapshots(sorted({o for _, o in missing}), sorted({w for w, _ in missing}))
                  if (r.week, r.owner_id) in missing]
        found = {(r.week, r.owner_id) for r in summed}
        now = timezone.now()
        ForecastWeek.objects.bulk_create(
            [ForecastWeek(week=r.week, owner_id=r.owner_id, currency=r.currency, commit=r.commit,
                          best_case=r.best_case, weighted=r.weighted, propensity=r.propensity, computed_at=now)
             for r in summed]
            + [ForecastWeek(week=week, owner_id=owner, currency="", computed_at=now)
               for week, owner in sorted(missing - found)],
            ignore_conflicts=True,  # another request summed the same week meanwhile: same numbers
        )
        rows += summed
    return sorted(rows, key=lambda r: (r.week, r.owner_id, r.currency))


def won_by_quarter(scope: InsightsScope) -> dict[tuple[dt.date, int, str], float]:
    """(quarter start, owner, currency) -> amount won with a close date in that
    quarter, over the quarters the period touches. One query."""
    first, _ = quarter_bounds(scope.start)
    _, last = quarter_bounds(scope.end)
    rows = (
        _scope_deals(scope)
        .filter(status=Opportunity.Status.WON, expected_close_date__gte=first, expected_close_date__lte=last)
        .order_by()
        .annotate(quarter=TruncQuarter("expected_close_date"))
        .values("quarter", "owner_id", "currency")
        .annotate(total=Sum("amount"))
        .values_list("quarter", "owner_id", "currency", "total")
    )
    return {(_as_date(quarter), owner, currency): float(total) for quarter, owner, currency, total in rows}


def _as_date(value) -> dt.date:
    """TruncQuarter of a date comes back as a date on PostgreSQL and as text or a datetime elsewhere."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value
