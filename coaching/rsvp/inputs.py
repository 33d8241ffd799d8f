"""What RSVP scoring reads about one deal: plain, immutable data, no Django.

`coaching.rsvp.facts` builds these from the database; tests build them by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from coaching.rsvp.questions import QuestionText

STAGE_LADDER: tuple[str, ...] = ("qualify", "discover", "evaluate", "propose", "negotiate")
SENIORITY_RANK: dict[str, int] = {"staff": 1, "manager": 2, "director": 3, "vp": 4, "c_level": 5}
POWER_ROLES = frozenset({"economic_buyer", "decision_maker"})
ANSWER_CHOICES: tuple[str, ...] = ("yes", "partly", "no", "dont_know")
BUDGET_STATUSES: tuple[str, ...] = ("unknown", "identified", "approved")
STRATEGIES: tuple[str, ...] = ("direct", "indirect", "divisional", "containment")


class PlanLike(Protocol):
    """The close-plan summary RSVP reads (`coaching.closeplan.schedule.PlanSummary` fits)."""

    go_live_date: dt.date
    feasible: bool
    sign_by: dt.date | None
    earliest_signing: dt.date | None
    min_slack: int | None
    validated: bool
    changed_since_validation: bool
    overdue_milestone_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleFact:
    """One stakeholder's part in the deal (a row of the political map)."""

    stakeholder_id: int
    name: str
    role: str
    stance: str = "neutral"
    influence: str = "medium"
    strength: int = 3
    leans_to_competitor: bool = False
    seniority: str = "staff"
    title: str = ""
    last_engaged_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ActivityFact:
    occurred_on: dt.date
    kind: str
    stakeholder_ids: tuple[int, ...] = ()
    subject: str = ""


@dataclass(frozen=True, slots=True)
class AnswerFact:
    answer: str  # one of ANSWER_CHOICES
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class DealFacts:
    as_of: dt.date
    stage_slug: str = "qualify"
    stage_order: int = 1
    amount: Decimal | None = None
    currency: str = ""
    expected_close_date: dt.date | None = None
    go_live_date: dt.date | None = None
    budget_status: str = "unknown"
    budget_amount: Decimal | None = None
    compelling_event: str = ""
    consequence_if_missed: str = ""
    success_criteria: str = ""
    business_value: str = ""
    competitors: tuple[str, ...] = ()
    strategy: str = ""
    strategy_notes: str = ""
    roles: tuple[RoleFact, ...] = ()
    activities: tuple[ActivityFact, ...] = ()
    plan: PlanLike | None = None
    answers: dict[str, AnswerFact] = field(default_factory=dict)
    # Admin-edited question texts by key; keys missing here fall back to the defaults.
    questions: dict[str, QuestionText] = field(default_factory=dict)
    # A stakeholder counts as engaged when they took part in an activity this recently: the
    # DEALCOACH_ENGAGEMENT_WINDOW_DAYS setting, the same window as the stale-deal flags.
    engagement_window_days: int = 60
