"""RSVP scoring: one deal's facts in, an explainable coaching result out. No Django.

    result = score_deal(DealFacts(as_of=..., stage_slug="evaluate", roles=(...), ...))
    result.dimensions["relationships"].status   # "red" | "amber" | "green"
    result.to_dict()                              # the API's JSON shape

The rules live in `coaching.rsvp.rules` (a declarative table), the anchors in
`coaching.rsvp.anchors`; `docs/coaching.md` is generated from both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from coaching.rsvp.anchors import assess_anchors
from coaching.rsvp.inputs import (  # noqa: F401  (re-exported: the scoring API in one place)
    ANSWER_CHOICES,
    STAGE_LADDER,
    ActivityFact,
    AnswerFact,
    DealFacts,
    PlanLike,
    RoleFact,
)
from coaching.rsvp.questions import (  # noqa: F401
    DIMENSIONS,
    QuestionText,
    default_question_texts,
)
from coaching.rsvp.rules import ANSWER, CAP, EARN, PENALTY, RULES_BY_DIMENSION, Rule
from coaching.rsvp.view import DealView, has_evidence, quote

GREEN_AT = 70  # score >= 70 is green
AMBER_AT = 40  # 40 <= score < 70 is amber; below 40 is red

_DEFAULT_TEXTS = default_question_texts()
ANCHOR_LABELS = {
    "budget": "Budget",
    "timeline": "Timeline",
    "compelling_event": "Compelling event",
    "success_criteria": "Success criteria",
}
NOT_ANSWERED = "Not answered yet."
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
    rule: str
    question_key: str

    def to_dict(self) -> dict:
        return {"reason": self.reason, "question": self.question, "action": self.action}


@dataclass(frozen=True, slots=True)
class DimensionResult:
    score: int
    status: str
    evidence: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "status": self.status,
            "evidence": list(self.evidence),
            "gaps": [g.to_dict() for g in self.gaps],
        }


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
        return {
            "overall": self.overall,
            "dimensions": {name: d.to_dict() for name, d in self.dimensions.items()},
            "anchors": {name: a.to_dict() for name, a in self.anchors.items()},
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
        first = min(
            ((d.score, name) for name, d in self.dimensions.items() if d.gaps), default=None
        )
        next_question = None
        if first is not None:
            gap = self.dimensions[first[1]].gaps[0]
            next_question = {"dimension": first[1], "question": gap.question_key, "text": gap.question,
                             "reason": gap.reason}
        return {
            "overall": self.overall,
            "dimensions": dimensions,
            "anchors": {name: a.state for name, a in self.anchors.items()},
            "next": next_question,
        }

    @property
    def anchor_rows(self) -> list[tuple[str, str, AnchorResult]]:
        """(key, label, anchor) in order, for templates."""
        return [(key, ANCHOR_LABELS.get(key, key), anchor) for key, anchor in self.anchors.items()]

    @property
    def next_gap(self) -> Gap | None:
        """The most pressing gap in the weakest dimension: the question to ask first."""
        weakest = sorted(self.dimensions.values(), key=lambda d: d.score)
        return next((d.gaps[0] for d in weakest if d.gaps), None)


def score_deal(facts: DealFacts) -> CoachingResult:
    view = DealView(facts)
    dimensions = {dim: _score_dimension(view, RULES_BY_DIMENSION[dim]) for dim in DIMENSIONS}
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


def _score_dimension(view: DealView, rules: tuple[Rule, ...]) -> DimensionResult:
    # The hot loop of rescoring (every rule of every deal): locals, and the common "not answered"
    # case of an ANSWER rule decided here without the calls `_judge_answer` would make.
    level = view.level
    questions = view.facts.questions
    answers = view.facts.answers
    earned = possible = 0.0
    penalty = 0
    ceiling = 100
    evidence: list[str] = []
    # (-weight, position, rule, reason): sorts most pressing first, ties in table order.
    pending: list[tuple[float, int, Rule, str]] = []

    for rule in rules:
        kind, points = rule.kind, rule.points
        expected = level >= rule.from_level
        if kind == EARN:
            met, text = rule.check(view)
            if met:
                earned += points
                possible += points
                evidence.append(text)
            elif expected:
                possible += points
                pending.append((-points, len(pending), rule, text))
        elif kind == ANSWER:
            key = rule.question
            question = questions.get(key)
            if question is not None and not question.active:
                continue
            if answers.get(key) is None:
                # What _judge_answer gives an unanswered question: nothing earned, a gap when expected.
                if expected:
                    possible += points
                    pending.append((-points, len(pending), rule, NOT_ANSWERED))
                continue
            got, text, gap_reason = _judge_answer(view, rule)
            if text:
                evidence.append(text)
            if expected or got:
                earned += got
                possible += points
            if expected and gap_reason:
                pending.append((got - points, len(pending), rule, gap_reason))
        elif kind == PENALTY:
            if expected and (reason := rule.check(view)):
                penalty += points
                pending.append((-100 - points, len(pending), rule, reason))
        elif kind == CAP:
            cap = rule.cap_at(level)
            if cap is not None and (reason := rule.check(view)):
                ceiling = min(ceiling, cap)
                pending.append((cap - 300, len(pending), rule, reason))

    base = round(100 * earned / possible) if possible else 0
    score = max(0, min(base - penalty, ceiling, 100))
    pending.sort()
    texts = view.facts.questions
    gaps = []
    for _, _, rule, reason in pending:
        question = texts.get(rule.question) or _DEFAULT_TEXTS[rule.question]
        gaps.append(Gap(reason, question.text, question.action, rule.id, rule.question))
    return DimensionResult(score=score, status=status_for(score), evidence=evidence, gaps=gaps)


def _judge_answer(view: DealView, rule: Rule) -> tuple[float, str | None, str | None]:
    """(points earned, evidence text or None, gap reason or None) for an ANSWER rule."""
    answer = view.facts.answers.get(rule.question)
    if answer is None:
        return 0.0, None, NOT_ANSWERED
    label = ANSWER_LABELS.get(answer.answer, answer.answer)
    credit = answer_credit(answer)
    if credit and rule.check is not None and (contradiction := rule.check(view)):
        return 0.0, None, f"Answered '{label}', but {contradiction}. The data wins: no credit until it shows."
    points = rule.points * credit
    if not credit:
        return 0.0, None, f"Answered '{label}'."
    evidenced = has_evidence(answer.evidence)
    if evidenced:
        text = f"Answered '{label}': {quote(answer.evidence)}"
    else:
        text = f"Answered '{label}' without evidence (partial credit)."
    if credit < 1:
        why = "with no evidence" if not evidenced else "only in part"
        return points, text, f"Answered '{label}' {why}; that earns {credit:.0%} of the points."
    return points, text, None
