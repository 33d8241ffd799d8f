"""The attention ranking of a review's open deals: one query reads what the
score needs of every open deal (flags with their snoozes, the close plan's
sign-by, red dimensions, anchors), amounts are converted into the team's
reporting currency with the rates in force, and `attention.rank` (plain
Python, the only copy of the formula) orders them. The page, the API, the CSV
export and the digest all read this ranking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat

from coaching.closeplan.selectors import holiday_dates
from coaching.stale.rules import flag_status
from dealcoach.currencies import DEFAULT_REPORTING_CURRENCY, Conversion, RateTable
from dealcoach.rates.selectors import rate_table_on

from .attention import EXCEPTION_RISK, Attention, DealSignals, rank
from .selectors import ReviewScope, open_team_deals
from .sources import DIMENSIONS, open_flags, plan_behind
from .sql import CommaJoin

HOLIDAYS_CACHE_KEY = "review:holidays:v1"
HOLIDAYS_CACHE_SECONDS = 15 * 60
SORTS = {"attention": "Attention", "amount": "Amount", "close": "Close date"}
NEEDS_YOU = 5  # "Needs you this week": the top of the page


def review_holidays() -> frozenset[dt.date]:
    """The configured holidays, cached like the stages (forgotten on change, see `receivers`)."""
    return cache.get_or_set(HOLIDAYS_CACHE_KEY, holiday_dates, HOLIDAYS_CACHE_SECONDS)


def reporting_currency(scope: ReviewScope) -> str:
    return getattr(scope.team, "reporting_currency", None) or DEFAULT_REPORTING_CURRENCY


class RankedDeal:
    """One open deal in the ranking. A plain class over the row's facts: the ranking builds
    one per open deal (10,000 for a large team) and shows a hundred."""

    __slots__ = ("attention", "rank", "_facts", "reporting_currency")

    def __init__(self, attention: Attention, rank: int, facts: tuple, reporting_currency: str):
        self.attention = attention
        self.rank = rank  # 1 = needs the manager most
        self._facts = facts  # (owner_id, amount, currency, converted, expected_close_date, snoozed)
        self.reporting_currency = reporting_currency

    opportunity_id = property(lambda self: self.attention.opportunity_id)
    owner_id = property(lambda self: self._facts[0])
    amount = property(lambda self: self._facts[1])  # Decimal, in `currency`
    currency = property(lambda self: self._facts[2])
    converted = property(lambda self: self._facts[3])  # in the reporting currency; None without a rate
    expected_close_date = property(lambda self: self._facts[4])
    snoozed = property(lambda self: self._facts[5])  # an open flag is snoozed
    is_exception = property(lambda self: self.attention.risk >= EXCEPTION_RISK)


@dataclass
class Ranking:
    currency: str
    as_of: dt.date
    deals: list[RankedDeal]  # every open deal, attention order
    conversions: dict[str, Conversion | None] = field(default_factory=dict)  # per currency priced in

    @cached_property
    def exceptions(self) -> list[RankedDeal]:
        return [deal for deal in self.deals if deal.attention.risk >= EXCEPTION_RISK]

    @property
    def needs_you(self) -> list[RankedDeal]:
        return self.exceptions[:NEEDS_YOU]

    def other_exceptions(self, sort: str = "attention") -> list[RankedDeal]:
        """The exceptions after the top five, in the order asked for."""
        rest = self.exceptions[NEEDS_YOU:]
        if sort == "amount":  # converted amounts first, largest first; unconverted after, by their own figure
            return sorted(rest, key=lambda d: (d.converted is None, -(d.converted or float(d.amount)), d.rank))
        if sort == "close":
            return sorted(rest, key=lambda d: (d.expected_close_date is None, d.expected_close_date or dt.date.max,
                                               d.rank))
        return rest

    @property
    def other_count(self) -> int:
        return max(0, len(self.exceptions) - NEEDS_YOU)

    @property
    def used_conversions(self) -> list[Conversion]:
        """The rates the page used (identity conversions left out)."""
        return [c for source, c in sorted(self.conversions.items()) if c is not None and source != self.currency]

    @property
    def missing_rates(self) -> list[str]:
        return sorted(source for source, c in self.conversions.items() if c is None)

    @cached_property
    def share(self) -> float:
        return len(self.exceptions) / len(self.deals) if self.deals else 0.0


def _flags_text():
    """The deal's open flags as `kind@snoozed_until,kind@,...` (empty date: not snoozed)."""
    flags = (
        open_flags().filter(opportunity=OuterRef("pk")).order_by().values("opportunity")
        .annotate(items=CommaJoin(Concat(
            "kind", Value("@"), Coalesce(Cast("snoozed_until", CharField()), Value("")), output_field=CharField(),
        ))).values("items")
    )
    return Subquery(flags, output_field=CharField())


def _flag_pairs(text: str | None) -> tuple[tuple[str, dt.date | None], ...]:
    if not text:
        return ()
    pairs = []
    for item in text.split(","):
        kind, _, until = item.partition("@")
        pairs.append((kind, dt.date.fromisoformat(until) if until else None))
    return tuple(pairs)


ANCHOR_NAMES = ("budget", "go-live date", "compelling event", "success criteria")
ANCHOR_MISSING = (Q(budget_status="unknown"), Q(go_live_date__isnull=True), Q(compelling_event=""),
                  Q(success_criteria=""))


def _bits(conditions) -> Case:
    """An integer with bit i set when conditions[i] holds: four facts in one small column,
    decoded by a table lookup instead of four values unpacked and tested per deal."""
    total = Value(0)
    for index, condition in enumerate(conditions):
        total = total + Case(When(condition, then=Value(1 << index)), default=Value(0))
    return ExpressionWrapper(total, output_field=IntegerField())


def _names_by_bits(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [tuple(name for index, name in enumerate(names) if bits & (1 << index)) for bits in range(1 << len(names))]


MISSING_BY_BITS = _names_by_bits(ANCHOR_NAMES)
RED_BY_BITS = _names_by_bits(DIMENSIONS)

COLUMNS = (
    "id", "owner_id", "amount", "currency", "expected_close_date", "r_probability", "r_missing", "r_red", "r_flags",
    "r_plan_behind", "r_sign_by", "r_signed_on",
)


def _signals_rows(scope: ReviewScope):
    """One row per open deal of the review, with what the score reads. The
    contract milestone is one join (each plan has one `contract_signed`)."""
    today = scope.as_of
    return (
        open_team_deals(scope)
        .annotate(
            contract=FilteredRelation("close_plan__milestones", condition=Q(close_plan__milestones__key="contract_signed")),
            r_probability=F("stage__probability"),
            r_missing=_bits(ANCHOR_MISSING),
            r_red=_bits([Q(**{f"deal_score__{d}_status": "red"}) for d in DIMENSIONS]),
            r_flags=_flags_text(),
            r_plan_behind=plan_behind(today=today),
            r_sign_by=F("contract__latest_finish"),
            r_signed_on=F("contract__done_on"),
        )
        .order_by()
        .values_list(*COLUMNS)
    )


def _fetch(rows) -> list[tuple]:
    """The rows as the driver returns them: 10,000 rows through the ORM's per-row converters
    cost more than the query. SQLite hands dates back as text: those are parsed here."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if connection.vendor == "postgresql":
        return fetched
    dates = [COLUMNS.index(name) for name in ("expected_close_date", "r_sign_by", "r_signed_on")]
    parsed = []
    for row in fetched:
        row = list(row)
        for index in dates:
            if isinstance(row[index], str):
                row[index] = dt.date.fromisoformat(row[index][:10])
        row[COLUMNS.index("amount")] = Decimal(str(row[COLUMNS.index("amount")]))
        parsed.append(tuple(row))
    return parsed


def review_ranking(scope: ReviewScope, *, rates: RateTable | None = None) -> Ranking:
    """Every open deal of the review, attention first. One query (the rates and
    holidays come from the cache)."""
    currency = reporting_currency(scope)
    rates = rates or rate_table_on(scope.as_of)
    conversions: dict[str, Conversion | None] = {}
    signals: list[DealSignals] = []
    extra: dict[int, tuple] = {}
    today = scope.as_of
    parsed_flags: dict[str | None, tuple] = {None: ()}  # most deals share a handful of flag sets
    for pk, owner_id, amount, deal_currency, close, probability, missing, red, flags, behind, sign_by, signed_on \
            in _fetch(_signals_rows(scope)):
        if deal_currency not in conversions:
            conversions[deal_currency] = rates.conversion(deal_currency, currency)
        conversion = conversions[deal_currency]
        converted = None if conversion is None else float(amount) * conversion.factor
        if flags not in parsed_flags:
            parsed_flags[flags] = _flag_pairs(flags)
        flag_pairs = parsed_flags[flags]
        signals.append(DealSignals(
            opportunity_id=pk, amount=converted, flags=flag_pairs, sign_by=sign_by,
            contract_signed=signed_on is not None, plan_behind=bool(behind), expected_close_date=close,
            red_dimensions=RED_BY_BITS[red], missing_anchors=MISSING_BY_BITS[missing],
            stage_probability=probability or 0, currency=deal_currency,
        ))
        snoozed = any(until is not None and flag_status(cleared=False, snoozed_until=until, today=today) == "snoozed"
                      for _, until in flag_pairs)
        extra[pk] = (owner_id, amount, deal_currency, converted, close, snoozed)
    ranked = rank(signals, today=scope.as_of, holidays=review_holidays())
    deals = [
        RankedDeal(attention, position, extra[attention.opportunity_id], currency)
        for position, attention in enumerate(ranked, start=1)
    ]
    return Ranking(currency=currency, as_of=scope.as_of, deals=deals, conversions=conversions)
