"""Review fixtures: time frozen on Wednesday 11 June 2025 (09:00 UTC), so
"this week" starts Monday 9 June and "last week's snapshot" is Monday 2 June;
and helpers to give deals stored RSVP scores and flags."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from coaching.rsvp.models import DealScore
from coaching.stale.models import Flag

TODAY = dt.date(2025, 6, 11)
THIS_WEEK = dt.date(2025, 6, 9)
LAST_WEEK = dt.date(2025, 6, 2)

QUESTIONS = {
    "relationships": "Who controls the money for this purchase?",
    "strategy": "What is your plan for each person who matters?",
    "value": "How does the customer measure the value, in their numbers?",
    "process": "Walk me through how they will decide, approve and buy.",
}


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_today():
    with time_machine.travel(at(TODAY), tick=False):
        yield TODAY


def status_of(score: int) -> str:
    return "green" if score >= 70 else "amber" if score >= 40 else "red"


def give_score(deal, *, r: int = 80, s: int = 80, v: int = 80, p: int = 80, next_dimension: str = "") -> DealScore:
    """Store an RSVP score; every dimension below 70 gets one gap with its question. The deal's next
    question is `next_dimension`'s gap, else the first gap in RSVP order (scoring ranks the real ones)."""
    scores = {"relationships": r, "strategy": s, "value": v, "process": p}
    with_gaps = [name for name, value in scores.items() if value < 70]
    top = next_dimension or (with_gaps[0] if with_gaps else "")
    result = {
        "overall": round(sum(scores.values()) / 4),
        "dimensions": {
            name: {
                "score": value, "status": status_of(value), "evidence": [],
                "gaps": [] if value >= 70 else [
                    {"reason": f"{name} gap", "question": QUESTIONS[name], "action": "Do something."}
                ],
            }
            for name, value in scores.items()
        },
        "anchors": {},
        "next": {"dimension": top, "question": f"{top}_key", "text": QUESTIONS[top], "reason": f"{top} gap",
                 "action": "Do something."} if top else None,
    }
    return DealScore.objects.update_or_create(
        opportunity=deal,
        defaults={
            "overall": result["overall"], "summary": result, "as_of": timezone.localdate(),
            "computed_at": timezone.now(),
            **{name: value for name, value in scores.items()},
            **{f"{name}_status": status_of(value) for name, value in scores.items()},
        },
    )[0]


def give_flag(deal, kind: str = "no_activity", *, snoozed_until=None, snooze_reason="", snoozed_by=None,
              cleared: bool = False) -> Flag:
    return Flag.objects.create(
        opportunity=deal, kind=kind, reason=f"{kind} reason", raised_at=timezone.now(),
        cleared_at=timezone.now() if cleared else None, snoozed_until=snoozed_until,
        snooze_reason=snooze_reason, snoozed_by=snoozed_by,
    )


ANCHORED = {
    "budget_status": "approved", "go_live_date": dt.date(2025, 12, 1),
    "compelling_event": "New regulation from January", "success_criteria": "Cycle time halved",
}
