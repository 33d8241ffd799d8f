"""The one coaching question to ask about an exception deal. Plain Python.

The question comes from the deal's stored RSVP result: the weakest dimension
that has gaps, and its first (most pressing) gap — the same rule as
`coaching.rsvp.scoring.CoachingResult.next_gap`. A deal not scored yet falls
back to a question about why it is an exception."""

from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS: tuple[str, ...] = ("relationships", "strategy", "value", "process")

FLAG_QUESTIONS = {
    "close_date_passed": "The close date has passed: what does the customer say the real date is, and why?",
    "milestone_overdue": "Which step of the close plan is late, and what does the customer need to get it done?",
    "no_activity": "When did you last talk to anyone there, and what is the next meeting on their calendar?",
    "decaying": "When did you last speak with someone senior, and what would make them take your call this week?",
    "single_threaded": "If your one contact left tomorrow, who else would keep this deal moving?",
    "no_decision_maker": "Who signs, and when did you last talk with them yourself?",
}
PLAN_QUESTION = "The close plan is behind the customer's date: which step slipped, and does the customer know?"
ANCHOR_QUESTION = "What happens to the customer if this is not live by their date, and how will they measure success?"
GENERIC_QUESTION = "What has the customer done, not said, in the last two weeks that shows this deal is real?"


@dataclass(frozen=True)
class Question:
    text: str
    dimension: str  # an RSVP dimension, or "" for a fallback question
    reason: str  # the gap behind it


def question_from_result(result: dict | None) -> Question | None:
    """The weakest dimension's first gap in a stored RSVP result, or None when
    there is no gap. Reads the compact summary's ready-made `next` question,
    else works it out from the full result (the API's JSON shape)."""
    upfront = (result or {}).get("next")
    if isinstance(upfront, dict) and upfront.get("text"):
        return Question(text=upfront["text"], dimension=upfront.get("dimension", ""), reason=upfront.get("reason", ""))
    dimensions = (result or {}).get("dimensions") or {}
    ranked = sorted(
        (name for name in DIMENSIONS if name in dimensions),
        key=lambda name: (dimensions[name].get("score", 0), DIMENSIONS.index(name)),
    )
    for name in ranked:
        gaps = dimensions[name].get("gaps") or []
        if isinstance(gaps, list) and gaps and gaps[0].get("question"):
            return Question(text=gaps[0]["question"], dimension=name, reason=gaps[0].get("reason", ""))
    return None


def question_for(
    *, result: dict | None, flag_kinds: list[str], plan_behind: bool, anchors_missing: bool
) -> Question:
    """The question to ask, from the RSVP result first, else from why the deal is an exception."""
    question = question_from_result(result)
    if question is not None:
        return question
    for kind in flag_kinds:
        if kind in FLAG_QUESTIONS:
            return Question(text=FLAG_QUESTIONS[kind], dimension="", reason="")
    if plan_behind:
        return Question(text=PLAN_QUESTION, dimension="", reason="")
    if anchors_missing:
        return Question(text=ANCHOR_QUESTION, dimension="", reason="")
    return Question(text=GENERIC_QUESTION, dimension="", reason="")
