"""RSVP scoring: one deal's facts in, an explainable coaching result out. No Django.

    result = score_deal(DealFacts(as_of=..., stage_slug="evaluate", roles=(...), ...))
    result.dimensions["relationships"].status   # "red" | "amber" | "green"
    result.to_dict()                              # the API's JSON shape

The rules live in `coaching.rsvp.rules` (a declarative table), the anchors in
`coaching.rsvp.anchors`, the order gaps are raised in in `coaching.rsvp.priority`;
`docs/coaching.md` is generated from them.

One gap per missing fact: every rule about the same fact — it points at the same
coaching question — folds into one gap, with the most severe rule's reason, that
question and its action. The rep's answer to that question joins the gap (a
contradiction, a weak answer, or "not answered yet" after what the data shows);
an unanswered question with nothing wrong in the data is not a gap of its own
(it is listed as `unanswered`). The deal's next question is its top-ranked gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from coaching.rsvp.anchors import assess_anchors
from coaching.rsvp.deal_view import DealView, has_evidence, quote
from coaching.rsvp.inputs import (  # noqa: F401  (re-exported: the scoring API in one place)
    ANSWER_CHOICES,
    STAGE_LADDER,
    ActivityFact,
    AnswerFact,
    DealFacts,
    PlanLike,
    RoleFact,
)
from coaching.rsvp.priority import QUESTION_PRIORITY, UNRANKED
from coaching.rsvp.questions import (  # noqa: F401
    DIMENSIONS,
    QuestionText,
    default_question_texts,
)
from coaching.rsvp.rules import ANSWER, CAP, EARN, PENALTY, RULES_BY_DIMENSION, Rule

GREEN_AT = 70  # score >= 70 is green
GAPS_SHOWN = 3  # gaps per dimension a page lists before "N more"
AMBER_AT = 40  # 40 <= score < 70 is amber; below 40 is red

_DEFAULT_TEXTS = default_question_texts()
ANCHOR_LABELS = {
    "budget": "Budget",
    "timeline": "Timeline",
    "compelling_event": "Compelling event",
    "success_criteria": "Success criteria",
}
NOT_ANSWERED = "Not answered yet."  # what a gap must never say on its own
NOT_ANSWERED_NOTE = "The rep has not answered this question yet."
ANSWER_LABELS = {"yes": "yes", "partly": "partly", "no": "no", "dont_know": "don't know"}


def status_for(score: int) -> str:
    if score >= GREEN_AT:
        return "green"
    if score >= AMBER_AT:
        return "amber"
    return "red"


class Gap(NamedTuple):
    reason: str
    question: str
    action: str
    rule: str  # the most severe rule behind the gap
    question_key: str
    dimension: str = ""
    rank: tuple = ()  # (priority tier, severity, position): smaller is asked first
    rules: tuple[str, ...] = ()  # every rule folded into this gap, in table order

    def to_dict(self) -> dict:
        return {"reason": self.reason, "question": self.question, "action": self.action,
                "question_key": self.question_key}

    def next_dict(self) -> dict:
        """The deal's next question, as the stored summary and the API both carry it."""
        return {"dimension": self.dimension, "question": self.question_key, "text": self.question,
                "reason": self.reason, "action": self.action}


@dataclass(frozen=True, slots=True)
class DimensionResult:
    score: int
    status: str
    evidence: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    # Keys of questions expected at this stage, not answered, about facts the data shows no gap in.
    unanswered: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "status": self.status,
            "evidence": list(self.evidence),
            "gaps": [g.to_dict() for g in self.gaps],
            "unanswered": list(self.unanswered),
        }

    @property
    def first_gaps(self) -> list[Gap]:
        """The gaps a page shows at once (the deal page, the coaching sheet); the rest fold away."""
        return self.gaps[:GAPS_SHOWN]

    @property
    def more_gaps(self) -> list[Gap]:
        return self.gaps[GAPS_SHOWN:]


@dataclass(frozen=True, slots=True)
class AnchorResult:
    state: str  # "present" | "missing" | "inconsistent"
    reason: str

    def to_dict(self) -> dict:
        return {"state": self.state, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class CoachingResult:
    overall: int
    dimensions: dict[str, DimensionResult]
    anchors: dict[str, AnchorResult]

    def to_dict(self) -> dict:
        top = self.next_gap
        return {
            "overall": self.overall,
            "dimensions": {name: d.to_dict() for name, d in self.dimensions.items()},
            "anchors": {name: a.to_dict() for name, a in self.anchors.items()},
            "next": top.next_dict() if top else None,
        }

    def summary(self) -> dict:
        """The compact copy `DealScore` stores for lists and the pipeline review:
        scores, statuses, gap counts, each dimension's most pressing gap, the
        anchors' states, and the one question to ask first. The full result is
        one `coaching_result_for` away; storing it for every deal would cost
        ten times the write volume."""
        dimensions = {}
        for name, d in self.dimensions.items():
            top = d.gaps[0] if d.gaps else None
            dimensions[name] = {
                "score": d.score,
                "status": d.status,
                "gaps": len(d.gaps),
                "next": {"rule": top.rule, "question": top.question_key, "reason": top.reason} if top else None,
            }
        top = self.next_gap
        return {
            "overall": self.overall,
            "dimensions": dimensions,
            "anchors": {name: a.state for name, a in self.anchors.items()},
            "next": top.next_dict() if top else None,
        }

    @property
    def anchor_rows(self) -> list[tuple[str, str, AnchorResult]]:
        """(key, label, anchor) in order, for templates."""
        return [(key, ANCHOR_LABELS.get(key, key), anchor) for key, anchor in self.anchors.items()]

    @property
    def next_gap(self) -> Gap | None:
        """The top-ranked gap across the four dimensions (`coaching.rsvp.priority`): the question to
        ask first. The deal page, the review, the coaching sheet and session and the API all use it."""
        tops = [d.gaps[0] for d in self.dimensions.values() if d.gaps]
        return min(tops, key=lambda g: g.rank, default=None)


def score_deal(facts: DealFacts) -> CoachingResult:
    view = DealView(facts)
    dimensions = {dim: _score_dimension(view, dim, RULES_BY_DIMENSION[dim]) for dim in DIMENSIONS}
    overall = round(sum(d.score for d in dimensions.values()) / len(dimensions))
    anchors = {name: AnchorResult(*state_reason) for name, state_reason in assess_anchors(view).items()}
    return CoachingResult(overall=overall, dimensions=dimensions, anchors=anchors)


def answer_credit(answer: AnswerFact | None) -> float:
    """Share of an ANSWER rule's points an answer earns, before any data check."""
    if answer is None:
        return 0.0
    evidenced = has_evidence(answer.evidence)
    if answer.answer == "yes":
        return 1.0 if evidenced else 0.5
    if answer.answer == "partly":
        return 0.5 if evidenced else 0.25
    return 0.0


def _score_dimension(view: DealView, dimension: str, rules: tuple[Rule, ...]) -> DimensionResult:
    # The hot loop of rescoring (every rule of every deal): locals, and the common "not answered"
    # case of an ANSWER rule decided here without the calls `_judge_answer` would make.
    level = view.level
    questions = view.facts.questions
    answers = view.facts.answers
    earned = possible = 0.0
    penalty = 0
    ceiling = 100
    evidence: list[str] = []
    # What the data says is wrong, per fact (question key): [severity, rule id, reason, reason's severity,
    # every rule id].
    # Severity sorts most pressing first: caps, then penalties, then by the points at stake.
    missing: dict[str, list] = {}
    # The rep's answer per fact when it leaves a gap: (severity, rule id, reason, note to add to a data reason).
    weak_answers: dict[str, tuple[float, str, str, str]] = {}
    unanswered: list[str] = []

    for rule in rules:
        kind, points = rule.kind, rule.points
        expected = level >= rule.from_level
        if kind == EARN:
            met, text = rule.check(view)
            if met:
                earned += points
                possible += points
                if text not in evidence:  # two rules can see the same fact ("Budget approved.")
                    evidence.append(text)
            elif expected:
                possible += points
                _note(missing, rule, -points, text)
        elif kind == ANSWER:
            key = rule.question
            question = questions.get(key)
            if question is not None and not question.active:
                continue
            if answers.get(key) is None:
                # What _judge_answer gives an unanswered question: nothing earned; folded into its fact's gap.
                if expected:
                    possible += points
                    unanswered.append(key)
                continue
            got, text, gap_reason, note = _judge_answer(view, rule)
            if text and text not in evidence:
                evidence.append(text)
            if expected or got:
                earned += got
                possible += points
            if expected and gap_reason:
                weak_answers[key] = (got - points, rule.id, gap_reason, note)
        elif kind == PENALTY:
            if expected and (reason := rule.check(view)) is not None:
                penalty += points
                _note(missing, rule, -100 - points, reason)
        elif kind == CAP:
            cap = rule.cap_at(level)
            if cap is not None and (reason := rule.check(view)) is not None:
                ceiling = min(ceiling, cap)
                _note(missing, rule, cap - 300, reason)

    base = round(100 * earned / possible) if possible else 0
    score = max(0, min(base - penalty, ceiling, 100))
    gaps = [
        gap for key in {**missing, **weak_answers}
        if (gap := _fact_gap(view, dimension, key, missing.get(key), weak_answers.get(key), key in unanswered))
    ]
    gaps.sort(key=lambda g: g.rank)
    listed = {g.question_key for g in gaps}
    return DimensionResult(score=score, status=status_for(score), evidence=evidence, gaps=gaps,
                           unanswered=[key for key in unanswered if key not in listed])


def _note(missing: dict[str, list], rule: Rule, severity: float, reason: str) -> None:
    """Fold one rule's finding into the fact it is about: keep the most severe, and the most severe
    rule that has something to say (an empty reason defers to a more basic fact's gap)."""
    entry = missing.get(rule.question)
    if entry is None:
        missing[rule.question] = [severity, rule.id, reason, severity if reason else 0.0, [rule.id]]
        return
    entry[4].append(rule.id)
    if severity < entry[0]:
        entry[0], entry[1] = severity, rule.id
    if reason and (not entry[2] or severity < entry[3]):
        entry[2], entry[3] = reason, severity


def _fact_gap(view: DealView, dimension: str, key: str, data: list | None,
              answer: tuple[float, str, str, str] | None, unanswered: bool) -> Gap | None:
    """The one gap about a fact: what the data shows, then what the rep answered (or that they have not)."""
    severity, rule_id, reason = (data[0], data[1], data[2]) if data else (0.0, "", "")
    rules = tuple(data[4]) if data else ()
    if answer is not None:
        rules += (answer[1],)
        if not reason:
            reason, rule_id = answer[2], rule_id or answer[1]
        else:
            reason = f"{reason} {answer[3]}"
        severity = min(severity, answer[0])
    elif reason and unanswered:
        reason = f"{reason} {NOT_ANSWERED_NOTE}"
    if not reason:
        return None  # everything here is explained by a more basic fact's gap
    text = view.facts.questions.get(key) or _DEFAULT_TEXTS.get(key) or QuestionText(dimension, key, "")
    tier, position = QUESTION_PRIORITY.get(key, UNRANKED)
    return Gap(reason, text.text, text.action, rule_id, key, dimension, (tier, severity, position), rules)


def _judge_answer(view: DealView, rule: Rule) -> tuple[float, str | None, str | None, str]:
    """(points earned, evidence text or None, gap reason or None, the same in a few words to follow a
    data reason) for an ANSWER rule."""
    answer = view.facts.answers.get(rule.question)
    if answer is None:
        return 0.0, None, NOT_ANSWERED, NOT_ANSWERED_NOTE
    label = ANSWER_LABELS.get(answer.answer, answer.answer)
    credit = answer_credit(answer)
    if credit and rule.check is not None and (contradiction := rule.check(view)):
        return (0.0, None, f"Answered '{label}', but {contradiction}. The data wins: no credit until it shows.",
                f"The rep answered '{label}'; the data wins: no credit until it shows.")
    points = rule.points * credit
    if not credit:
        return 0.0, None, f"The rep answered '{label}'.", f"The rep answered '{label}'."
    evidenced = has_evidence(answer.evidence)
    # Named by its question: two answers with the same words must not print the same evidence line.
    asked = view.facts.questions.get(rule.question) or _DEFAULT_TEXTS.get(rule.question)
    about = f" to {quote(asked.text, 60)}" if asked else ""
    if evidenced:
        text = f"Answered '{label}'{about}: {quote(answer.evidence)}"
    else:
        text = f"Answered '{label}'{about} without evidence (partial credit)."
    if credit < 1:
        why = " with no evidence" if not evidenced else ""
        reason = f"Answered '{label}'{why}; that earns {credit:.0%} of the points."
        return points, text, reason, f"The rep answered '{label}'{why}."
    return points, text, None, ""
