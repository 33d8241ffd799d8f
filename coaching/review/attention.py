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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Attention:
    opportunity_id: int
    score: float
    risk: int
    value: float
    pressure: float
    reasons: tuple[Reason, ...] = field(default=())  # most serious first
    business_days_left: int | None = None

    @property
    def is_exception(self) -> bool:
        return self.risk >= EXCEPTION_RISK


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def active_flags(deal: DealSignals, today: dt.date) -> set[str]:
    """The open flags that count today: a snoozed flag returns on its `snoozed_until` date."""
    return {kind for kind, until in deal.flags
            if flag_status(cleared=False, snoozed_until=until, today=today) == "open"}


def _risk_reasons(deal: DealSignals, today: dt.date) -> list[Reason]:
    reasons: list[Reason] = []
    flags = active_flags(deal, today)
    plan: list[Reason] = []
    if deal.sign_by and not deal.contract_signed and deal.sign_by < today:
        plan.append(Reason(SIGN_BY_PASSED, f"Sign-by passed {_day(deal.sign_by)}", WEIGHTS[SIGN_BY_PASSED]))
    if MILESTONE_OVERDUE in flags:
        plan.append(Reason(MILESTONE_OVERDUE, "Milestone overdue", WEIGHTS[MILESTONE_OVERDUE]))
    if deal.plan_behind:
        plan.append(Reason(PLAN_BEHIND, "Plan behind the customer's date", WEIGHTS[PLAN_BEHIND]))
    if (deal.sign_by and deal.expected_close_date and not deal.contract_signed
            and deal.expected_close_date > deal.sign_by):
        plan.append(Reason(CLOSE_AFTER_SIGN_BY, f"Close date after sign-by {_day(deal.sign_by)}",
                           WEIGHTS[CLOSE_AFTER_SIGN_BY]))
    # The family counts once: its first (most serious) member carries the weight, and names the
    # second so the chip says both ("Sign-by passed 13 Nov · milestone overdue").
    if plan:
        first = plan[0] if len(plan) == 1 else Reason(plan[0].code, f"{plan[0].label} · {plan[1].label.lower()}",
                                                       plan[0].weight)
        reasons += [first, *(Reason(r.code, r.label, 0) for r in plan[1:])]
    if CLOSE_DATE_PASSED in flags:
        label = "Close date passed" + (f" {_day(deal.expected_close_date)}" if deal.expected_close_date else "")
        reasons.append(Reason(CLOSE_DATE_PASSED, label, WEIGHTS[CLOSE_DATE_PASSED]))
    for kind, label in ((DECAYING, "Decaying"), (NO_DECISION_MAKER, "No decision maker engaged"),
                        (SINGLE_THREADED, "Single-threaded"), (NO_ACTIVITY, "No activity")):
        if kind in flags:
            reasons.append(Reason(kind, label, WEIGHTS[kind]))
    if deal.red_dimensions:
        names = ", ".join(d.capitalize() for d in DIMENSIONS if d in deal.red_dimensions)
        reasons.append(Reason(RED_RSVP, f"Red: {names}", RED_DIMENSION_WEIGHT * len(deal.red_dimensions)))
    if deal.missing_anchors and deal.stage_probability >= LATE_STAGE_PROBABILITY:
        reasons.append(Reason(MISSING_ANCHORS, "No " + ", ".join(deal.missing_anchors),
                              LATE_ANCHOR_WEIGHT * len(deal.missing_anchors)))
    return reasons


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


def attention(deal: DealSignals, *, today: dt.date, typical: float | None,
              business_days_left: int | None) -> Attention:
    """One deal's score and its reasons, most serious first."""
    reasons = _risk_reasons(deal, today)
    risk = sum(r.weight for r in reasons)
    reasons.sort(key=lambda r: -r.weight)  # stable: ties keep the seriousness order
    if risk and business_days_left is not None and 0 <= business_days_left <= DUE_SOON_DAYS:
        what = "Sign-by" if deal.sign_by and not deal.contract_signed else "Close"
        reasons.append(Reason(DUE_SOON, f"{what} in {business_days_left} business day"
                                        f"{'' if business_days_left == 1 else 's'}", 0))
    if deal.amount is None:
        reasons.append(Reason(NO_RATE, f"No {deal.currency or 'exchange'} rate: amount not converted", 0))
    value = value_factor(deal.amount, typical)
    pressure = pressure_factor(business_days_left)
    return Attention(
        opportunity_id=deal.opportunity_id, score=round(risk * value * pressure, 1), risk=risk,
        value=round(value, 3), pressure=round(pressure, 3), reasons=tuple(reasons),
        business_days_left=business_days_left,
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


def rank(deals: Sequence[DealSignals], *, today: dt.date, holidays: Iterable[dt.date] = ()) -> list[Attention]:
    """Every deal's attention, highest first (ties: larger amount, then id)."""
    calendar = BusinessCalendar(holidays)
    typical = typical_amount(d.amount for d in deals)
    deadlines = {deal.opportunity_id: deadline(deal) for deal in deals}
    left = _business_days_to({d for d in deadlines.values() if d is not None}, today, calendar)
    scored = [
        attention(deal, today=today, typical=typical,
                  business_days_left=left.get(deadlines[deal.opportunity_id]))
        for deal in deals
    ]
    amounts = {deal.opportunity_id: deal.amount or 0.0 for deal in deals}
    scored.sort(key=lambda a: (-a.score, -amounts[a.opportunity_id], a.opportunity_id))
    return scored
