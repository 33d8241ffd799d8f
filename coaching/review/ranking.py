"""The attention ranking of a review's open deals: one query reads what the
score needs of every open deal (flags with their snoozes, the close plan's
sign-by, red dimensions, anchors), amounts are converted into the team's
reporting currency with the rates in force, and `attention.rank` (plain
Python, the only copy of the formula) orders them. The page, the API, the CSV
export and the digest all read this ranking."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.db.models import BooleanField, Case, F, FilteredRelation, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import JSONObject

from coaching.closeplan.selectors import holiday_dates
from coaching.stale.rules import flag_status
from dealcoach.currencies import DEFAULT_REPORTING_CURRENCY, Conversion, RateTable
from dealcoach.rates.selectors import rate_table_on

from .attention import Attention, DealSignals, rank
from .selectors import ReviewScope, open_team_deals
from .sources import DIMENSIONS, open_flags, plan_behind
from .sql import JSONArrayAgg

HOLIDAYS_CACHE_KEY = "review:holidays:v1"
HOLIDAYS_CACHE_SECONDS = 15 * 60
SORTS = {"attention": "Attention", "amount": "Amount", "close": "Close date"}
NEEDS_YOU = 5  # "Needs you this week": the top of the page


def review_holidays() -> frozenset[dt.date]:
    """The configured holidays, cached like the stages (forgotten on change, see `receivers`)."""
    return cache.get_or_set(HOLIDAYS_CACHE_KEY, holiday_dates, HOLIDAYS_CACHE_SECONDS)


def reporting_currency(scope: ReviewScope) -> str:
    return getattr(scope.team, "reporting_currency", None) or DEFAULT_REPORTING_CURRENCY


@dataclass(frozen=True, slots=True)
class RankedDeal:
    attention: Attention
    rank: int  # 1 = needs the manager most
    owner_id: int
    amount: Decimal
    currency: str
    converted: float | None  # in the reporting currency; None without a rate
    expected_close_date: dt.date | None
    snoozed: bool  # an open flag is snoozed
    reporting_currency: str

    @property
    def opportunity_id(self) -> int:
        return self.attention.opportunity_id

    @property
    def is_exception(self) -> bool:
        return self.attention.is_exception


@dataclass
class Ranking:
    currency: str
    as_of: dt.date
    deals: list[RankedDeal]  # every open deal, attention order
    conversions: dict[str, Conversion | None] = field(default_factory=dict)  # per currency priced in

    @cached_property
    def exceptions(self) -> list[RankedDeal]:
        return [deal for deal in self.deals if deal.is_exception]

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


def _flags_json():
    flags = (
        open_flags().filter(opportunity=OuterRef("pk")).order_by().values("opportunity")
        .annotate(items=JSONArrayAgg(JSONObject(k="kind", u="snoozed_until"))).values("items")
    )
    return Subquery(flags)


def _empty(field_name: str) -> Case:
    return Case(When(**{field_name: ""}, then=Value(True)), default=Value(False), output_field=BooleanField())


COLUMNS = (
    "id", "owner_id", "amount", "currency", "expected_close_date", "r_probability", "r_budget_unknown",
    "r_no_go_live", "r_no_event", "r_no_criteria", *(f"r_{d}" for d in DIMENSIONS), "r_flags", "r_plan_behind",
    "r_sign_by", "r_signed_on",
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
            r_budget_unknown=Case(When(budget_status="unknown", then=Value(True)), default=Value(False),
                                  output_field=BooleanField()),
            r_no_go_live=Case(When(go_live_date__isnull=True, then=Value(True)), default=Value(False),
                              output_field=BooleanField()),
            r_no_event=_empty("compelling_event"),
            r_no_criteria=_empty("success_criteria"),
            **{f"r_{d}": F(f"deal_score__{d}_status") for d in DIMENSIONS},
            r_flags=_flags_json(),
            r_plan_behind=plan_behind(today=today),
            r_sign_by=F("contract__latest_finish"),
            r_signed_on=F("contract__done_on"),
        )
        .order_by()
        .values_list(*COLUMNS)
    )


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


ANCHOR_NAMES = ("budget", "go-live date", "compelling event", "success criteria")


def review_ranking(scope: ReviewScope, *, rates: RateTable | None = None) -> Ranking:
    """Every open deal of the review, attention first. One query (the rates and
    holidays come from the cache)."""
    currency = reporting_currency(scope)
    rates = rates or rate_table_on(scope.as_of)
    conversions: dict[str, Conversion | None] = {}
    signals: list[DealSignals] = []
    extra: dict[int, tuple] = {}
    for row in _signals_rows(scope):
        (pk, owner_id, amount, deal_currency, close, probability, no_budget, no_go_live, no_event, no_criteria,
         *rest) = row
        statuses, (flags, behind, sign_by, signed_on) = rest[:4], rest[4:]
        if deal_currency not in conversions:
            conversions[deal_currency] = rates.conversion(deal_currency, currency)
        conversion = conversions[deal_currency]
        converted = None if conversion is None else float(amount) * conversion.factor
        if isinstance(flags, str):  # SQLite hands JSON back as text
            flags = json.loads(flags)
        flag_pairs = tuple((item["k"], _as_date(item.get("u"))) for item in flags or ())
        missing = tuple(name for name, gone in zip(ANCHOR_NAMES, (no_budget, no_go_live, no_event, no_criteria),
                                                   strict=True) if gone)
        signals.append(DealSignals(
            opportunity_id=pk, amount=converted, flags=flag_pairs, sign_by=_as_date(sign_by),
            contract_signed=signed_on is not None, plan_behind=bool(behind), expected_close_date=_as_date(close),
            red_dimensions=tuple(d for d, status in zip(DIMENSIONS, statuses, strict=True) if status == "red"),
            missing_anchors=missing, stage_probability=probability or 0, currency=deal_currency,
        ))
        snoozed = any(flag_status(cleared=False, snoozed_until=until, today=scope.as_of) == "snoozed"
                      for _, until in flag_pairs)
        extra[pk] = (owner_id, amount, deal_currency, converted, _as_date(close), snoozed)
    ranked = rank(signals, today=scope.as_of, holidays=review_holidays())
    deals = [
        RankedDeal(attention, position, *extra[attention.opportunity_id], currency)
        for position, attention in enumerate(ranked, start=1)
    ]
    return Ranking(currency=currency, as_of=scope.as_of, deals=deals, conversions=conversions)
