"""The one coaching question to ask about an exception deal. Plain Python.

The question comes from the deal's stored RSVP result: its `next` question,
the top-ranked gap across the four dimensions
(`coaching.rsvp.scoring.CoachingResult.next_gap`, ranked by
`coaching.rsvp.priority`). The stored summary and the API's JSON both carry
it. A deal not scored yet falls back to a question about why it is an
exception."""

from __future__ import annotations

from dataclasses import dataclass

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
    """The deal's next question in a stored RSVP result (the compact summary or the API's JSON
    shape), or None when there is no gap."""
    upfront = (result or {}).get("next")
    if isinstance(upfront, dict) and upfront.get("text"):
        return Question(text=upfront["text"], dimension=upfront.get("dimension", ""), reason=upfront.get("reason", ""))
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
