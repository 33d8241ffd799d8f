"""What the review reads from the other coaching apps (flags, RSVP scores,
close plans), as SQL expressions over `Opportunity`, so that every section of
the page is one set-based query whatever the size of the team.

Facts a row of the review shows (and the attention ranking reads, see
`ranking`):

- the open flags (`stale.Flag` with `cleared_at IS NULL`; snoozed flags are
  shown, with the rep's reason, but count for nothing in the attention);
- whether its close plan is behind: a milestone not done whose `latest_start`
  is before today (rolled forward to a business day). That is exactly "the
  plan's minimum slack is negative": the forward pass starts every unfinished
  milestone today or later, and a late milestone makes its predecessors late
  too, back to one that starts today;
- red RSVP dimensions in the stored `rsvp.DealScore`;
- missing anchors: budget unknown, no customer go-live date, no compelling
  event or no success criteria.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from coaching.closeplan.models import Milestone
from coaching.rsvp.models import DealScore
from coaching.stale.models import Flag
from deals.models import Opportunity
from deals.propensity import propensity_expression

from .periods import next_business_day

DIMENSIONS: tuple[str, ...] = ("relationships", "strategy", "value", "process")
DIMENSION_LETTERS = {"relationships": "R", "strategy": "S", "value": "V", "process": "P"}
RAG = ("red", "amber", "green")
FLAG_KINDS: list[tuple[str, str]] = list(Flag.Kind.choices)
FLAG_LABELS: dict[str, str] = dict(FLAG_KINDS)

def stored_coaching(score: DealScore | None) -> dict | None:
    """The compact JSON copy of the coaching result a DealScore stores."""
    return score.summary if score is not None else None


def open_flags() -> QuerySet[Flag]:
    return Flag.objects.filter(cleared_at__isnull=True)


def has_open_flag(kind: str | None = None) -> Exists:
    flags = open_flags().filter(opportunity=OuterRef("pk"))
    if kind:
        flags = flags.filter(kind=kind)
    return Exists(flags)


def late_milestones(*, today: dt.date):
    """Milestones of the deal's plan that should already have started."""
    return Milestone.objects.filter(
        plan__opportunity=OuterRef("pk"), done_on__isnull=True, latest_start__lt=next_business_day(today)
    )


def plan_behind(*, today: dt.date) -> Exists:
    return Exists(late_milestones(today=today))


def missing_anchors_q() -> Q:
    return (
        Q(budget_status=Opportunity.BudgetStatus.UNKNOWN)
        | Q(go_live_date__isnull=True)
        | Q(compelling_event="")
        | Q(success_criteria="")
    )


def row_annotations(*, today: dt.date) -> dict:
    """For the rows shown: is the close plan behind, is an anchor missing (the fallback question)."""
    return {
        "exc_plan": plan_behind(today=today),
        "exc_anchors": Case(When(missing_anchors_q(), then=Value(True)), default=Value(False)),
    }


def plan_annotations(*, today: dt.date) -> dict:
    """For the rows shown: the first late milestone and the sign-by date
    (`contract_signed.latest_finish`, the customer's own deadline for the PO)."""
    late = late_milestones(today=today).order_by("latest_start", "position")
    contract = Milestone.objects.filter(plan__opportunity=OuterRef("pk"), key="contract_signed")
    return {
        "late_milestone": Subquery(late.values("name")[:1]),
        "late_milestone_start": Subquery(late.values("latest_start")[:1]),
        "sign_by": Subquery(contract.values("latest_finish")[:1]),
    }


def probability() -> Cast:
    return Cast(F("stage__probability"), FloatField()) / Value(100.0)


def weighted_amount() -> Cast:
    """amount × stage probability."""
    return Cast(F("amount"), FloatField()) * probability()


def decayed_amount(*, as_of) -> Cast:
    """amount × propensity as of `as_of` (stage probability decayed by time since
    senior engagement, deals/propensity.py)."""
    return Cast(F("amount"), FloatField()) * propensity_expression(as_of=as_of)
