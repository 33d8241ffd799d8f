"""Team totals by forecast category (plain, weighted and decay-adjusted), per
rep and per currency, plus the counts the page headlines (RSVP distribution,
exceptions): one grouped query over the team's deals.

Amounts in different currencies are never added together: every total is
kept per currency, and the page shows the main currency with the others
beside it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Max, OuterRef, Subquery, Value, When
from django.db.models.functions import Cast

from .selectors import ReviewScope, forecast_deals
from .sources import (
    DIMENSIONS,
    RAG,
    decayed_amount,
    exception_annotations,
    open_flags,
    weighted_amount,
)
from .sql import count_where, grouped_rows, sum_of

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("pipeline", "Pipeline"),
    ("best_case", "Best Case"),
    ("commit", "Commit"),
    ("closed", "Closed this quarter"),
)
CATEGORY_LABELS = dict(CATEGORIES)


@dataclass
class Money:
    deals: int = 0
    amount: float = 0.0
    weighted: float = 0.0
    decayed: float = 0.0

    def add(self, other: Money) -> None:
        self.deals += other.deals
        self.amount += other.amount
        self.weighted += other.weighted
        self.decayed += other.decayed


@dataclass
class CurrencyTotals:
    """One currency's totals: by category, and the open forecast (all but closed)."""

    currency: str
    by_category: dict[str, Money] = field(default_factory=lambda: {key: Money() for key, _ in CATEGORIES})

    @property
    def open_total(self) -> Money:
        total = Money()
        for key, money in self.by_category.items():
            if key != "closed":
                total.add(money)
        return total

    @property
    def rows(self) -> list[tuple[str, str, Money]]:
        return [(key, label, self.by_category[key]) for key, label in CATEGORIES]


@dataclass
class RepTotals:
    rep_id: int
    name: str
    currency: str
    totals: CurrencyTotals
    exceptions: int = 0


@dataclass
class Totals:
    main_currency: str
    currencies: list[CurrencyTotals]  # main first
    reps: list[RepTotals]
    rsvp: dict[str, dict[str, int]]  # dimension -> red/amber/green/unscored counts
    open_deals: int = 0
    exceptions: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    snoozed: int = 0

    @property
    def main(self) -> CurrencyTotals:
        return self.currencies[0]

    @property
    def other_currencies(self) -> list[CurrencyTotals]:
        return self.currencies[1:]


def _bucket() -> Case:
    return Case(
        When(status="won", then=Value("closed")),
        When(forecast_category__in=["pipeline", "best_case", "commit"], then=F("forecast_category")),
        default=Value("omitted"),
    )


def _flag_state(*, today) -> Subquery:
    """NULL: no open flag; 1: open flags, none snoozed; 2: an open flag is snoozed.
    One probe into the open flags per deal instead of one per question."""
    state = (
        open_flags().filter(opportunity=OuterRef("pk")).order_by().values("opportunity")
        .annotate(state=Max(Case(When(snoozed_until__gt=today, then=Value(2)), default=Value(1))))
        .values("state")
    )
    return Subquery(state, output_field=IntegerField())


def team_totals(scope: ReviewScope) -> Totals:
    today = scope.as_of
    won = When(status="won", then=Cast(F("amount"), FloatField()))
    exceptions = exception_annotations(today=today)
    del exceptions["exc_flag"]  # from t_flag, below
    rows = (
        forecast_deals(scope)
        .annotate(
            **exceptions,
            t_flag=_flag_state(today=today),
            t_owner=F("owner_id"),
            t_currency=F("currency"),
            t_bucket=_bucket(),
            t_open=Case(When(status="open", then=Value(True)), default=Value(False)),
            t_amount=Cast(F("amount"), FloatField()),
            t_weighted=Case(won, default=weighted_amount(), output_field=FloatField()),
            t_decayed=Case(won, default=decayed_amount(as_of=today), output_field=FloatField()),
            **{f"t_{d}": F(f"deal_score__{d}_status") for d in DIMENSIONS},
        )
        .order_by()
        .values(
            "t_owner", "t_currency", "t_bucket", "t_open", "t_amount", "t_weighted", "t_decayed", "t_flag",
            "exc_plan", "exc_rsvp", "exc_anchors", *(f"t_{d}" for d in DIMENSIONS),
        )
    )
    has_flag = f"{connection.ops.quote_name('t_flag')} IS NOT NULL"
    exception = f"({has_flag} OR exc_plan OR exc_rsvp OR exc_anchors)"
    aggregates = {
        "deals": "COUNT(*)",
        "amount": sum_of("t_amount"),
        "weighted": sum_of("t_weighted"),
        "decayed": sum_of("t_decayed"),
        "exceptions": f"SUM(CASE WHEN t_open AND {exception} THEN 1 ELSE 0 END)",
        "snoozed": f"SUM(CASE WHEN {connection.ops.quote_name('t_flag')} = 2 THEN 1 ELSE 0 END)",
        "exc_flag": f"SUM(CASE WHEN {has_flag} THEN 1 ELSE 0 END)",
        **{f"exc_{reason}": count_where(f"exc_{reason}") for reason in ("plan", "rsvp", "anchors")},
        **{f"{d}_{status}": count_where(f"t_{d}", status) for d in DIMENSIONS for status in RAG},
    }
    grouped = grouped_rows(rows, group_by=["t_owner", "t_currency", "t_bucket", "t_open"], aggregates=aggregates)
    return _assemble(scope, grouped)


def _assemble(scope: ReviewScope, grouped: list[dict]) -> Totals:
    names = scope.rep_names
    team: dict[str, CurrencyTotals] = {}
    per_rep: dict[tuple[int, str], RepTotals] = {}
    rsvp = {d: {"red": 0, "amber": 0, "green": 0, "unscored": 0} for d in DIMENSIONS}
    reasons = {"flag": 0, "plan": 0, "rsvp": 0, "anchors": 0}
    open_deals = exceptions = snoozed = 0
    for row in grouped:
        currency, bucket = row["t_currency"], row["t_bucket"]
        money = Money(int(row["deals"]), float(row["amount"] or 0), float(row["weighted"] or 0),
                      float(row["decayed"] or 0))
        if bucket in CATEGORY_LABELS:
            team.setdefault(currency, CurrencyTotals(currency)).by_category[bucket].add(money)
            key = (row["t_owner"], currency)
            if key not in per_rep:
                name = names.get(row["t_owner"], f"User {row['t_owner']}")
                per_rep[key] = RepTotals(row["t_owner"], name, currency, CurrencyTotals(currency))
            per_rep[key].totals.by_category[bucket].add(money)
            per_rep[key].exceptions += int(row["exceptions"] or 0)
        if not row["t_open"]:
            continue
        open_deals += money.deals
        exceptions += int(row["exceptions"] or 0)
        snoozed += int(row["snoozed"] or 0)
        for reason in reasons:
            reasons[reason] += int(row[f"exc_{reason}"] or 0)
        for d in DIMENSIONS:
            scored = 0
            for status in RAG:
                count = int(row[f"{d}_{status}"] or 0)
                rsvp[d][status] += count
                scored += count
            rsvp[d]["unscored"] += money.deals - scored

    main = _main_currency(team)
    currencies = sorted(team.values(), key=lambda t: (t.currency != main, -t.open_total.amount, t.currency))
    if not currencies:
        currencies = [CurrencyTotals(main)]
    # Every rep shows, even with nothing in the pipeline: that is news too.
    for rep in scope.reps:
        if rep.role == "rep" and rep.is_active and not any(key[0] == rep.pk for key in per_rep):
            per_rep[(rep.pk, main)] = RepTotals(rep.pk, str(rep), main, CurrencyTotals(main))
    reps = sorted(
        per_rep.values(), key=lambda r: (r.name.lower(), r.currency != main, r.currency)
    )
    return Totals(main_currency=main, currencies=currencies, reps=reps, rsvp=rsvp, open_deals=open_deals,
                  exceptions=exceptions, reasons=reasons, snoozed=snoozed)


def _main_currency(team: dict[str, CurrencyTotals]) -> str:
    default = getattr(settings, "DEALCOACH_DEFAULT_CURRENCY", "USD")
    if default in team or not team:
        return default
    return max(team.values(), key=lambda t: t.open_total.amount).currency
