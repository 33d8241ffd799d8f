"""The attention ranking of a review's open deals: one query reads what the
score needs of every open deal (flags with their snoozes, the close plan's
sign-by, red dimensions, anchors), amounts are converted into the team's
reporting currency with the rates in force, and `attention.rank` (plain
Python, the only copy of the formula) orders them. The page, the API, the CSV
export and the digest all read this ranking."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from functools import cached_property

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
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

from .attention import (
    EXCEPTION_RISK,
    Attention,
    DealSignals,
    Scores,
    attention,
    deadline,
    risk_of,
    score_columns,
)
from .selectors import ReviewScope, open_team_deals
from .sources import DIMENSIONS, RAG, open_flags, plan_behind
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
    """One open deal in the ranking, built only for the deals shown (`RankedDeals`)."""

    __slots__ = ("attention", "rank", "_facts", "reporting_currency")

    def __init__(self, attention: Attention, rank: int, facts: tuple, reporting_currency: str):
        self.attention = attention
        self.rank = rank  # 1 = needs the manager most
        self._facts = facts  # (owner_id, amount, currency, converted, expected_close_date, snoozed)
        self.reporting_currency = reporting_currency

    opportunity_id = property(lambda self: self.attention.opportunity_id)
    owner_id = property(lambda self: self._facts[0])
    amount = property(lambda self: self._facts[1])  # in `currency`, a float (exact for 14 digits)
    currency = property(lambda self: self._facts[2])
    converted = property(lambda self: self._facts[3])  # in the reporting currency; None without a rate
    expected_close_date = property(lambda self: self._facts[4])
    snoozed = property(lambda self: self._facts[5])  # an open flag is snoozed
    is_exception = property(lambda self: self.attention.risk >= EXCEPTION_RISK)


class RankedDeals(Sequence):
    """Some positions of a ranking (0 = highest attention), turned into `RankedDeal`s only
    when read: the page reads a hundred of a team's 10,000."""

    def __init__(self, ranking: Ranking, positions: list[int]):
        self._ranking = ranking
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._ranking.deal_at(position) for position in self._positions[index]]
        return self._ranking.deal_at(self._positions[index])


class Ranking:
    """Every open deal of a review in attention order, kept as the fetched rows and the
    score columns (`attention.score_columns`)."""

    def __init__(self, *, currency: str, as_of: dt.date, rows: list[tuple], converted: list[float | None],
                 risks: list[int], snoozed: list[bool], scores: Scores, flags: dict,
                 conversions: dict[str, Conversion | None]):
        self.currency = currency
        self.as_of = as_of
        self.conversions = conversions  # per currency priced in; None: no rate
        self._rows = rows
        self._converted = converted
        self._risks = risks
        self._snoozed = snoozed
        self._scores = scores
        self._flags = flags  # flags text -> (kind, snoozed until) pairs
        self._built: dict[int, RankedDeal] = {}

    def deal_at(self, position: int) -> RankedDeal:
        """The deal at `position` (0-based), its attention computed by `attention.attention`
        from the same facts the columns were scored from."""
        deal = self._built.get(position)
        if deal is None:
            index = self._scores.order[position]
            row, converted = self._rows[index], self._converted[index]
            signals = _signals(row, converted, self._flags[row[FLAGS]])
            scored = attention(signals, today=self.as_of, typical=self._scores.typical,
                               business_days_left=self._scores.business_days_left[index])
            facts = (row[OWNER], row[AMOUNT], row[CURRENCY], converted, row[CLOSE], self._snoozed[index])
            deal = self._built[position] = RankedDeal(scored, position + 1, facts, self.currency)
        return deal

    @cached_property
    def deals(self) -> RankedDeals:
        return RankedDeals(self, list(range(len(self._rows))))

    @cached_property
    def _exception_positions(self) -> list[int]:
        risks = self._risks
        return [position for position, index in enumerate(self._scores.order) if risks[index] >= EXCEPTION_RISK]

    @cached_property
    def exceptions(self) -> RankedDeals:
        return RankedDeals(self, self._exception_positions)

    @property
    def needs_you(self) -> list[RankedDeal]:
        return self.exceptions[:NEEDS_YOU]

    def other_exceptions(self, sort: str = "attention") -> RankedDeals:
        """The exceptions after the top five, in the order asked for."""
        rest = self._exception_positions[NEEDS_YOU:]
        order, rows, converted = self._scores.order, self._rows, self._converted
        if sort == "amount":  # converted amounts first, largest first; unconverted after, by their own figure
            def by_amount(position):
                index = order[position]
                return (converted[index] is None, -(converted[index] or rows[index][AMOUNT]), position)
            rest = sorted(rest, key=by_amount)
        elif sort == "close":
            def by_close(position):
                close = rows[order[position]][CLOSE]
                return (close is None, close or dt.date.max, position)
            rest = sorted(rest, key=by_close)
        return RankedDeals(self, rest)

    @property
    def other_count(self) -> int:
        return max(0, len(self.exceptions) - NEEDS_YOU)

    @cached_property
    def exceptions_by_owner(self) -> Counter:
        rows, risks = self._rows, self._risks
        return Counter(rows[index][OWNER] for index, risk in enumerate(risks) if risk >= EXCEPTION_RISK)

    @cached_property
    def rsvp(self) -> dict[str, dict[str, int]]:
        """dimension -> red/amber/green/unscored counts of the open deals."""
        return rsvp_counts(Counter(row[RSVP] for row in self._rows))

    @cached_property
    def snoozed_count(self) -> int:
        """Open deals with a snoozed flag."""
        return sum(self._snoozed)

    @property
    def used_conversions(self) -> list[Conversion]:
        """The rates the page used (identity conversions left out)."""
        return [c for source, c in sorted(self.conversions.items()) if c is not None and source != self.currency]

    @property
    def missing_rates(self) -> list[str]:
        return sorted(source for source, c in self.conversions.items() if c is None)

    @cached_property
    def share(self) -> float:
        return len(self.exceptions) / len(self._rows) if self._rows else 0.0


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
RSVP_CODES = {status: code for code, status in enumerate(RAG, start=1)}  # 0: not scored


def _rsvp_statuses() -> ExpressionWrapper:
    """The stored RSVP status of each dimension, two bits each (`RSVP_CODES`) in one integer: the
    totals count them from the ranking's rows (`Ranking.rsvp_counts`) instead of reading the scores again."""
    total = Value(0)
    for index, dimension in enumerate(DIMENSIONS):
        total = total + Case(
            *[When(**{f"deal_score__{dimension}_status": status}, then=Value(code << (2 * index)))
              for status, code in RSVP_CODES.items()],
            default=Value(0),
        )
    return ExpressionWrapper(total, output_field=IntegerField())


def rsvp_counts(codes: Counter) -> dict[str, dict[str, int]]:
    """dimension -> red/amber/green/unscored counts, from a count of `_rsvp_statuses` codes."""
    counts = {d: {"red": 0, "amber": 0, "green": 0, "unscored": 0} for d in DIMENSIONS}
    status_of = {code: status for status, code in RSVP_CODES.items()}
    for code, deals in codes.items():
        for index, dimension in enumerate(DIMENSIONS):
            counts[dimension][status_of.get((code >> (2 * index)) & 3, "unscored")] += deals
    return counts

COLUMNS = (
    "id", "owner_id", "r_amount", "currency", "r_rsvp",
    # What the risk and the deadline read, last: deals alike in these score alike (`review_ranking`).
    "r_flags", "r_sign_by", "r_signed_on", "r_plan_behind", "expected_close_date", "r_red", "r_missing",
    "r_probability",
)
ID, OWNER, AMOUNT, CURRENCY, RSVP, FLAGS, SIGN_BY, SIGNED_ON, PLAN_BEHIND, CLOSE, RED, MISSING, PROBABILITY = range(13)
FACTS = slice(FLAGS, None)


def _signals_rows(scope: ReviewScope):
    """One row per open deal of the review, with what the score reads. The
    contract milestone is one join (each plan has one `contract_signed`)."""
    today = scope.as_of
    return (
        open_team_deals(scope)
        .annotate(
            contract=FilteredRelation("close_plan__milestones", condition=Q(close_plan__milestones__key="contract_signed")),
            # A float, as the score computes: psycopg builds 10,000 floats faster than Decimals.
            r_amount=Cast("amount", FloatField()),
            r_probability=F("stage__probability"),
            r_missing=_bits(ANCHOR_MISSING),
            r_red=_bits([Q(**{f"deal_score__{d}_status": "red"}) for d in DIMENSIONS]),
            r_rsvp=_rsvp_statuses(),
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
        parsed.append(tuple(row))
    return parsed


def _signals(row: tuple, converted: float | None, flags: tuple) -> DealSignals:
    return DealSignals(
        opportunity_id=row[ID], amount=converted, flags=flags, sign_by=row[SIGN_BY],
        contract_signed=row[SIGNED_ON] is not None, plan_behind=bool(row[PLAN_BEHIND]),
        expected_close_date=row[CLOSE], red_dimensions=RED_BY_BITS[row[RED]],
        missing_anchors=MISSING_BY_BITS[row[MISSING]], stage_probability=row[PROBABILITY] or 0,
        currency=row[CURRENCY],
    )


def review_ranking(scope: ReviewScope, *, rates: RateTable | None = None) -> Ranking:
    """Every open deal of the review, attention first. One query (the rates and
    holidays come from the cache).

    Deals alike in every fact the risk and the deadline read (`FACTS`: neither the id,
    the amount nor the currency) have the same risk and deadline, so `risk_of` and
    `deadline` run once per distinct set of facts, not once per deal; the scores are
    columns (`score_columns`), and a deal becomes an object only when shown."""
    currency = reporting_currency(scope)
    rates = rates or rate_table_on(scope.as_of)
    today = scope.as_of
    conversions: dict[str, Conversion | None] = {}
    factors: dict[str, float | None] = {}
    flags: dict[str | None, tuple] = {None: ()}  # flags text -> pairs; most deals share a handful of flag sets
    snoozed_flags: dict[str | None, bool] = {None: False}  # flags text -> one of them is snoozed today
    known: dict[tuple, tuple[int, dt.date | None]] = {}  # FACTS -> (risk, deadline)
    rows = _fetch(_signals_rows(scope))
    ids, converted, risks, deadlines, snoozed = [], [], [], [], []
    for row in rows:
        deal_currency = row[CURRENCY]
        if deal_currency not in factors:
            conversion = conversions[deal_currency] = rates.conversion(deal_currency, currency)
            factors[deal_currency] = None if conversion is None else conversion.factor
        factor = factors[deal_currency]
        amount = None if factor is None else row[AMOUNT] * factor
        text = row[FLAGS]
        if text not in flags:
            flags[text] = _flag_pairs(text)
            snoozed_flags[text] = any(
                until is not None and flag_status(cleared=False, snoozed_until=until, today=today) == "snoozed"
                for _, until in flags[text]
            )
        facts = row[FACTS]
        risk_deadline = known.get(facts)
        if risk_deadline is None:
            deal = _signals(row, amount, flags[text])
            risk_deadline = known[facts] = (risk_of(deal, today), deadline(deal))
        ids.append(row[ID])
        converted.append(amount)
        risks.append(risk_deadline[0])
        deadlines.append(risk_deadline[1])
        snoozed.append(snoozed_flags[text])
    scores = score_columns(ids=ids, risks=risks, amounts=converted, deadlines=deadlines, today=today,
                           holidays=review_holidays())
    return Ranking(currency=currency, as_of=today, rows=rows, converted=converted, risks=risks, snoozed=snoozed,
                   scores=scores, flags=flags, conversions=conversions)
