"""Which deals need the manager this week: the attention score. Plain Python,
no Django; `docs/review.md` states the formula with a worked example.

    score = risk × value × pressure

- **risk**: the sum of the weights of the deal's open reasons (`WEIGHTS`), in
  the seriousness order the review promises: the customer's sign-by date
  passed or a close-plan milestone overdue > the close date passed > the plan
  behind the customer's date (or a close date after the sign-by) > decaying >
  no decision maker engaged > single-threaded > no activity; plus each red
  RSVP dimension, and each missing anchor once the deal is late in the cycle.
  A snoozed flag counts for nothing until its snooze ends.
- **value**: `1 + log2(1 + amount / typical)`, the amount in the team's
  reporting currency against the typical (median) open deal reviewed: a
  typical deal counts 2, a deal four times as large 3.3, a tiny one about 1.
  Logarithmic so that size orders deals of equal risk without drowning it.
  An amount with no exchange rate counts as a typical deal (and says so).
- **pressure**: `1 + 20 / (10 + max(0, business days left))`, to the sign-by
  date when the deal has one, else to the expected close date: 3 once passed,
  2 with ten business days left, about 1.2 a quarter away; 1 with no date.

A deal is an *exception* (on the manager's list at all) when its risk reaches
`EXCEPTION_RISK`: one serious event, or small signals that add up to one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from statistics import median

from coaching.closeplan.schedule import BusinessCalendar
from coaching.stale.rules import (
    CLOSE_DATE_PASSED,
    DECAYING,
    MILESTONE_OVERDUE,
    NO_ACTIVITY,
    NO_DECISION_MAKER,
    SINGLE_THREADED,
    flag_status,
)

SIGN_BY_PASSED = "sign_by_passed"
PLAN_BEHIND = "plan_behind"
CLOSE_AFTER_SIGN_BY = "close_after_sign_by"
RED_RSVP = "red_rsvp"
MISSING_ANCHORS = "missing_anchors"
NO_RATE = "no_rate"
DUE_SOON = "due_soon"

# Risk weights, most serious first. The plan's signals are one family: a passed sign-by always
# comes with an overdue milestone (contract_signed itself), and either means the plan is behind,
# so the family counts once, at its most serious member.
WEIGHTS: dict[str, int] = {
    SIGN_BY_PASSED: 50,
    MILESTONE_OVERDUE: 50,
    CLOSE_DATE_PASSED: 35,
    PLAN_BEHIND: 25,
    CLOSE_AFTER_SIGN_BY: 25,
    DECAYING: 15,
    NO_DECISION_MAKER: 8,
    SINGLE_THREADED: 6,
    NO_ACTIVITY: 4,
}
PLAN_FAMILY = (SIGN_BY_PASSED, MILESTONE_OVERDUE, PLAN_BEHIND, CLOSE_AFTER_SIGN_BY)
RED_DIMENSION_WEIGHT = 2  # per red RSVP dimension
LATE_ANCHOR_WEIGHT = 3  # per missing anchor, late in the cycle only
LATE_STAGE_PROBABILITY = 60  # Propose and Negotiate in the default stages
EXCEPTION_RISK = 25
PRESSURE_DAYS = 10  # business days at which the pressure is 2
DUE_SOON_DAYS = 10  # a "signs in N business days" reason up to here
DIMENSIONS = ("relationships", "strategy", "value", "process")


# Not frozen: a review builds 10,000 of these and frozen dataclasses set each field the slow way.
@dataclass(slots=True)
class DealSignals:
    """What the score reads about one open deal. `amount` is already in the
    team's reporting currency, or None when no rate converts it."""

    opportunity_id: int
    amount: float | None
    flags: tuple[tuple[str, dt.date | None], ...] = ()  # open flags: (kind, snoozed until)
    sign_by: dt.date | None = None  # the customer's last day to sign (close plan)
    contract_signed: bool = False
    plan_behind: bool = False  # a milestone should already have started: the plan's slack < 0
    expected_close_date: dt.date | None = None
    red_dimensions: tuple[str, ...] = ()
    missing_anchors: tuple[str, ...] = ()  # "budget", "go-live date", "compelling event", "success criteria"
    stage_probability: int = 0
    currency: str = ""  # the deal's own currency, named when it has no rate


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    label: str
    weight: int  # what it adds to the risk (0 for context: a due date, a missing rate)


@dataclass
class Attention:
    opportunity_id: int
    score: float
    risk: int
    value: float
    pressure: float
    business_days_left: int | None = None
    deal: DealSignals | None = field(default=None, repr=False, compare=False)
    today: dt.date | None = field(default=None, repr=False, compare=False)

    @property
    def is_exception(self) -> bool:
        return self.risk >= EXCEPTION_RISK

    @cached_property
    def reasons(self) -> tuple[Reason, ...]:
        """Most serious first, then context (a due date, a missing rate). Worded only when
        read: a review ranks 10,000 deals and shows the reasons of a hundred."""
        return _reasons(self.deal, self.today, self.business_days_left, self.risk) if self.deal else ()


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def active_flags(deal: DealSignals, today: dt.date) -> set[str]:
    """The open flags that count today: a snoozed flag returns on its `snoozed_until` date."""
    return set(_counting(deal.flags, today))


# Cached: a team's 10,000 deals share a few dozen sets of flags (and of the other signals).
@lru_cache(maxsize=4096)
def _counting(flags: tuple[tuple[str, dt.date | None], ...], today: dt.date) -> frozenset[str]:
    return frozenset(kind for kind, until in flags
                     if until is None or flag_status(cleared=False, snoozed_until=until, today=today) == "open")


FLAG_ORDER = (CLOSE_DATE_PASSED, DECAYING, NO_DECISION_MAKER, SINGLE_THREADED, NO_ACTIVITY)


def risk_of(deal: DealSignals, today: dt.date) -> int:
    """The sum of `_risk_items`' weights (the score needs only this; reasons are worded later)."""
    total = 0
    for _, weight in _risk_items(deal, today):
        total += weight
    return total


def _risk_items(deal: DealSignals, today: dt.date) -> list[tuple[str, int]]:
    """(reason code, weight) in the seriousness order; the one place the weights apply."""
    flags = _counting(deal.flags, today) if deal.flags else frozenset()
    plan = []
    if deal.sign_by is not None and not deal.contract_signed and deal.sign_by < today:
        plan.append(SIGN_BY_PASSED)
    if MILESTONE_OVERDUE in flags:
        plan.append(MILESTONE_OVERDUE)
    if deal.plan_behind:
        plan.append(PLAN_BEHIND)
    if (deal.sign_by is not None and not deal.contract_signed and deal.expected_close_date is not None
            and deal.expected_close_date > deal.sign_by):
        plan.append(CLOSE_AFTER_SIGN_BY)
    # The plan's family counts once: its first (most serious) member carries the weight.
    items = [(code, WEIGHTS[code] if index == 0 else 0) for index, code in enumerate(plan)]
    late = deal.stage_probability >= LATE_STAGE_PROBABILITY
    items.extend(_signal_items(flags, len(deal.red_dimensions), len(deal.missing_anchors) if late else 0))
    return items


@lru_cache(maxsize=4096)
def _signal_items(flags: frozenset[str], red: int, missing_late: int) -> tuple[tuple[str, int], ...]:
    """The items after the plan's: the other flags, the red dimensions, the anchors missing late."""
    items = [(kind, WEIGHTS[kind]) for kind in FLAG_ORDER if kind in flags]
    if red:
        items.append((RED_RSVP, RED_DIMENSION_WEIGHT * red))
    if missing_late:
        items.append((MISSING_ANCHORS, LATE_ANCHOR_WEIGHT * missing_late))
    return tuple(items)


def _label(code: str, deal: DealSignals) -> str:
    if code == SIGN_BY_PASSED:
        return f"Sign-by passed {_day(deal.sign_by)}"
    if code == CLOSE_AFTER_SIGN_BY:
        return f"Close date after sign-by {_day(deal.sign_by)}"
    if code == CLOSE_DATE_PASSED:
        return "Close date passed" + (f" {_day(deal.expected_close_date)}" if deal.expected_close_date else "")
    if code == RED_RSVP:
        return "Red: " + ", ".join(d.capitalize() for d in DIMENSIONS if d in deal.red_dimensions)
    if code == MISSING_ANCHORS:
        return "No " + ", ".join(deal.missing_anchors)
    return LABELS[code]


LABELS = {
    MILESTONE_OVERDUE: "Milestone overdue", PLAN_BEHIND: "Plan behind the customer's date", DECAYING: "Decaying",
    NO_DECISION_MAKER: "No decision maker engaged", SINGLE_THREADED: "Single-threaded", NO_ACTIVITY: "No activity",
}


def _reasons(deal: DealSignals, today: dt.date, business_days_left: int | None, risk: int) -> tuple[Reason, ...]:
    items = _risk_items(deal, today)
    reasons = [Reason(code, _label(code, deal), weight) for code, weight in items]
    plan = [r for r in reasons if r.code in PLAN_FAMILY]
    if len(plan) > 1:  # the family's chip names its first two ("Sign-by passed 13 Nov · milestone overdue")
        reasons[0] = Reason(plan[0].code, f"{plan[0].label} · {plan[1].label.lower()}", plan[0].weight)
    reasons.sort(key=lambda r: -r.weight)  # stable: ties keep the seriousness order
    if risk and business_days_left is not None and 0 <= business_days_left <= DUE_SOON_DAYS:
        what = "Sign-by" if deal.sign_by and not deal.contract_signed else "Close"
        reasons.append(Reason(DUE_SOON, f"{what} in {business_days_left} business day"
                                        f"{'' if business_days_left == 1 else 's'}", 0))
    if deal.amount is None:
        reasons.append(Reason(NO_RATE, f"No {deal.currency or 'exchange'} rate: amount not converted", 0))
    return tuple(reasons)


def value_factor(amount: float | None, typical: float | None) -> float:
    if not typical:
        return 1.0
    if amount is None:
        return 2.0  # unknown: counted as a typical deal
    return 1.0 + math.log2(1.0 + max(amount, 0.0) / typical)


def pressure_factor(business_days_left: int | None) -> float:
    if business_days_left is None:
        return 1.0
    return 1.0 + 2 * PRESSURE_DAYS / (PRESSURE_DAYS + max(0, business_days_left))


def deadline(deal: DealSignals) -> dt.date | None:
    """The date the time pressure counts to: the sign-by, else the expected close."""
    if deal.sign_by and not deal.contract_signed:
        return deal.sign_by
    return deal.expected_close_date


def combined(risk: int, value: float, pressure: float) -> float:
    """The score from its three factors: the one place they are multiplied."""
    return risk * value * pressure


def attention(deal: DealSignals, *, today: dt.date, typical: float | None,
              business_days_left: int | None) -> Attention:
    """One deal's score (its reasons are worded when read, `Attention.reasons`)."""
    risk = risk_of(deal, today)
    value = value_factor(deal.amount, typical)
    pressure = pressure_factor(business_days_left)
    return Attention(
        opportunity_id=deal.opportunity_id, score=combined(risk, value, pressure), risk=risk,
        value=value, pressure=pressure, business_days_left=business_days_left,
        deal=deal, today=today,
    )


def typical_amount(amounts: Iterable[float | None]) -> float | None:
    """The median of the known, positive amounts (None when there are none)."""
    known = [a for a in amounts if a is not None and a > 0]
    return float(median(known)) if known else None


def _business_days_to(dates: set[dt.date], today: dt.date, calendar: BusinessCalendar) -> dict[dt.date, int]:
    """Business days from `today` to each date (negative once passed), counted
    once across the sorted dates rather than once per deal."""
    result: dict[dt.date, int] = {}
    ahead = sorted(d for d in dates if d >= today)
    running, since = 0, today
    for day in ahead:
        running += calendar.count(since, day)
        since = day
        result[day] = running
    for day in dates:
        if day < today:
            result[day] = calendar.count(today, day)
    return result


@dataclass(frozen=True)
class Scores:
    """The attention of many deals, as columns: index i is the i-th deal given to `score_columns`."""

    order: list[int]  # the deals' indices, highest attention first (ties: larger amount, then smaller id)
    scores: list[float]
    business_days_left: list[int | None]
    typical: float | None  # the median amount, which `value_factor` measures against


def score_columns(*, ids: Sequence[int], risks: Sequence[int], amounts: Sequence[float | None],
                  deadlines: Sequence[dt.date | None], today: dt.date, holidays: Iterable[dt.date] = ()) -> Scores:
    """Score and order many deals from their columns: each deal's `risk_of`, amount (in the
    reporting currency, None without a rate) and `deadline`. The same factors as `attention`,
    without an object per deal: a review ranks 10,000 deals and shows a hundred."""
    calendar = BusinessCalendar(holidays)
    typical = typical_amount(amounts)
    left = _business_days_to({day for day in set(deadlines) if day is not None}, today, calendar)
    left[None] = None
    pressures = {day: pressure_factor(days) for day, days in left.items()}
    values = {amount: value_factor(amount, typical) for amount in set(amounts)}  # amounts repeat (round figures)
    scores = [combined(risk, values[amount], pressures[day])
              for risk, amount, day in zip(risks, amounts, deadlines, strict=True)]
    # Three stable sorts, last key first: C-level comparisons instead of a tuple per deal.
    order = sorted(range(len(ids)), key=ids.__getitem__)
    order.sort(key=[-(amount or 0.0) for amount in amounts].__getitem__)
    order.sort(key=[-score for score in scores].__getitem__)
    return Scores(order=order, scores=scores, business_days_left=[left[day] for day in deadlines], typical=typical)


def rank(deals: Sequence[DealSignals], *, today: dt.date, holidays: Iterable[dt.date] = ()) -> list[Attention]:
    """Every deal's attention, highest first (ties: larger amount, then id)."""
    scores = score_columns(
        ids=[deal.opportunity_id for deal in deals], risks=[risk_of(deal, today) for deal in deals],
        amounts=[deal.amount for deal in deals], deadlines=[deadline(deal) for deal in deals],
        today=today, holidays=holidays,
    )
    return [attention(deals[index], today=today, typical=scores.typical,
                      business_days_left=scores.business_days_left[index]) for index in scores.order]
