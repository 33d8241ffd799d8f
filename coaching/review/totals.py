"""Team totals by forecast category (plain, weighted and decay-adjusted), per
rep and per currency: one grouped query over the team's deals. The counts the page
headlines (RSVP distribution, exceptions, snoozed) come from the attention ranking,
which has read every open deal already.

Amounts are summed per currency in SQL, then converted into the team's
reporting currency with the rate in force on the review's date
(`dealcoach.currencies.RateTable`). A currency with no rate is never mixed
in: its totals stay apart, unconverted, and the page warns about them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, F, FloatField, Value, When
from django.db.models.functions import Cast

from dealcoach.currencies import Conversion, RateTable

from .ranking import Ranking
from .selectors import ReviewScope, forecast_deals
from .sources import decayed_amount, weighted_amount
from .sql import grouped_rows, sum_of

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

    def scaled(self, factor: float) -> Money:
        return Money(self.deals, self.amount * factor, self.weighted * factor, self.decayed * factor)


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

    def add_converted(self, other: CurrencyTotals, factor: float) -> None:
        for key, money in other.by_category.items():
            self.by_category[key].add(money.scaled(factor))


@dataclass
class RepTotals:
    rep_id: int
    name: str
    currency: str
    totals: CurrencyTotals
    exceptions: int = 0
    converted: bool = True  # False: a currency with no rate, shown apart in its own figures


@dataclass
class Totals:
    main_currency: str  # the team's reporting currency
    converted: CurrencyTotals  # every amount with a rate, in the reporting currency
    unconverted: list[CurrencyTotals]  # currencies with no rate in force: never added in
    by_currency: list[CurrencyTotals]  # each currency in its own figures
    conversions: list[Conversion]  # the rates used (reporting currency itself left out)
    reps: list[RepTotals]
    rsvp: dict[str, dict[str, int]]  # dimension -> red/amber/green/unscored counts
    open_deals: int = 0
    exceptions: int = 0
    snoozed: int = 0

    @property
    def main(self) -> CurrencyTotals:
        return self.converted

    @property
    def other_currencies(self) -> list[CurrencyTotals]:
        return self.unconverted

    @property
    def missing_rates(self) -> list[str]:
        return sorted(t.currency for t in self.unconverted)

    @property
    def exception_share(self) -> float:
        return self.exceptions / self.open_deals if self.open_deals else 0.0


def _bucket() -> Case:
    return Case(
        When(status="won", then=Value("closed")),
        When(forecast_category__in=["pipeline", "best_case", "commit"], then=F("forecast_category")),
        default=Value("omitted"),
    )


def team_totals(scope: ReviewScope, *, ranking: Ranking, rates: RateTable) -> Totals:
    """One grouped query; the RSVP, exception and snoozed counts come from the attention ranking."""
    today = scope.as_of
    won = When(status="won", then=Cast(F("amount"), FloatField()))
    rows = (
        forecast_deals(scope)
        .annotate(
            t_owner=F("owner_id"),
            t_currency=F("currency"),
            t_bucket=_bucket(),
            t_open=Case(When(status="open", then=Value(True)), default=Value(False)),
            t_amount=Cast(F("amount"), FloatField()),
            t_weighted=Case(won, default=weighted_amount(), output_field=FloatField()),
            t_decayed=Case(won, default=decayed_amount(as_of=today), output_field=FloatField()),
        )
        .order_by()
        .values(
            "t_owner", "t_currency", "t_bucket", "t_open", "t_amount", "t_weighted", "t_decayed",
        )
    )
    aggregates = {
        "deals": "COUNT(*)",
        "amount": sum_of("t_amount"),
        "weighted": sum_of("t_weighted"),
        "decayed": sum_of("t_decayed"),
    }
    grouped = grouped_rows(rows, group_by=["t_owner", "t_currency", "t_bucket", "t_open"], aggregates=aggregates)
    return _assemble(scope, grouped, ranking=ranking, rates=rates)


def _assemble(scope: ReviewScope, grouped: list[dict], *, ranking: Ranking, rates: RateTable) -> Totals:
    names = scope.rep_names
    main = ranking.currency
    team: dict[str, CurrencyTotals] = {}
    per_rep: dict[tuple[int, str], CurrencyTotals] = {}
    open_deals = 0
    for row in grouped:
        currency, bucket = row["t_currency"], row["t_bucket"]
        money = Money(int(row["deals"]), float(row["amount"] or 0), float(row["weighted"] or 0),
                      float(row["decayed"] or 0))
        if bucket in CATEGORY_LABELS:
            team.setdefault(currency, CurrencyTotals(currency)).by_category[bucket].add(money)
            per_rep.setdefault((row["t_owner"], currency), CurrencyTotals(currency)).by_category[bucket].add(money)
        if row["t_open"]:
            open_deals += money.deals

    conversions = {currency: rates.conversion(currency, main) for currency in team}
    converted = CurrencyTotals(main)
    for currency, totals in team.items():
        if conversions[currency] is not None:
            converted.add_converted(totals, conversions[currency].factor)
    unconverted = sorted((t for c, t in team.items() if conversions[c] is None),
                         key=lambda t: (-t.open_total.amount, t.currency))

    exceptions_by_rep = ranking.exceptions_by_owner
    reps: dict[tuple[int, str], RepTotals] = {}
    for (rep_id, currency), totals in per_rep.items():
        conversion = conversions.get(currency)
        key = (rep_id, main if conversion else currency)
        if key not in reps:
            reps[key] = RepTotals(rep_id, names.get(rep_id, f"User {rep_id}"), key[1], CurrencyTotals(key[1]),
                                  converted=conversion is not None)
        if conversion:
            reps[key].totals.add_converted(totals, conversion.factor)
        else:
            for bucket, money in totals.by_category.items():
                reps[key].totals.by_category[bucket].add(money)
    # Every rep shows, even with nothing in the pipeline: that is news too.
    for rep in scope.reps:
        if rep.role == "rep" and rep.is_active and (rep.pk, main) not in reps:
            reps[(rep.pk, main)] = RepTotals(rep.pk, str(rep), main, CurrencyTotals(main))
    for (rep_id, currency), rep_totals in reps.items():
        if currency == main:
            rep_totals.exceptions = exceptions_by_rep.get(rep_id, 0)
    return Totals(
        main_currency=main, converted=converted, unconverted=unconverted,
        by_currency=sorted(team.values(), key=lambda t: (t.currency != main, t.currency)),
        conversions=sorted({**{c.source: c for c in ranking.used_conversions},
                            **{k: c for k, c in conversions.items() if c is not None and k != main}}.values(),
                           key=lambda c: c.source),
        reps=sorted(reps.values(), key=lambda r: (r.name.lower(), not r.converted, r.currency)),
        rsvp=ranking.rsvp, open_deals=open_deals, exceptions=len(ranking.exceptions),
        snoozed=ranking.snoozed_count,
    )
