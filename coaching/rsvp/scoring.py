"""RSVP scoring: one deal's facts in, an explainable coaching result out. No Django.

    result = score_deal(DealFacts(as_of=..., stage_slug="evaluate", roles=(...), ...))
    result.dimensions["relationships"].status   # "red" | "amber" | "green"
    result.to_dict()                              # the API's JSON shape

The rules live in `coaching.rsvp.rules` (a declarative table), the anchors in
`coaching.rsvp.anchors`; `docs/coaching.md` is generated from both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    DEFAULT_QUESTIONS_BY_KEY,
    DIMENSIONS,
    QuestionText,
)
from coaching.rsvp.rules import ANSWER, CAP, EARN, PENALTY, RULES_BY_DIMENSION, Rule
from coaching.rsvp.view import DealView, has_evidence, quote

GREEN_AT = 70  # score >= 70 is green
AMBER_AT = 40  # 40 <= score < 70 is amber; below 40 is red

ANCHOR_LABELS = {
    "budget": "Budget",
    "timeline": "Timeline",
    "compelling_event": "Compelling event",
    "success_criteria": "Success criteria",
}
ANSWER_LABELS = {"yes": "yes", "partly": "partly", "no": "no", "dont_know": "don't know"}


def status_for(score: int) -> str:
    if score >= GREEN_AT:
        return "green"
    if score >= AMBER_AT:
        return "amber"
    return "red"


@dataclass(frozen=True, slots=True)
class Gap:
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
    level = view.level
    earned = possible = 0.0
    penalty = 0
    ceiling = 100
    evidence: list[str] = []
    weighted_gaps: list[tuple[float, int, Gap]] = []

    def gap(rule: Rule, reason: str, weight: float) -> None:
        weighted_gaps.append((weight, len(weighted_gaps), _gap(view, rule, reason)))

    for rule in rules:
        expected = level >= rule.from_level
        if rule.kind == EARN:
            met, text = rule.check(view)
            if met:
                earned += rule.points
                possible += rule.points
                evidence.append(text)
            elif expected:
                possible += rule.points
                gap(rule, text, rule.points)
        elif rule.kind == ANSWER:
            if not _question_active(view, rule.question):
                continue
            got, text, gap_reason = _judge_answer(view, rule)
            if text:
                evidence.append(text)
            if expected or got:
                earned += got
                possible += rule.points
            if expected and gap_reason:
                gap(rule, gap_reason, rule.points - got)
        elif rule.kind == PENALTY:
            if expected and (reason := rule.check(view)):
                penalty += rule.points
                gap(rule, reason, 100 + rule.points)
        elif rule.kind == CAP:
            cap = rule.cap_at(level)
            if cap is not None and (reason := rule.check(view)):
                ceiling = min(ceiling, cap)
                gap(rule, reason, 200 + 100 - cap)

    base = round(100 * earned / possible) if possible else 0
    score = max(0, min(base - penalty, ceiling, 100))
    gaps = [g for _, _, g in sorted(weighted_gaps, key=lambda t: (-t[0], t[1]))]
    return DimensionResult(score=score, status=status_for(score), evidence=evidence, gaps=gaps)


def _judge_answer(view: DealView, rule: Rule) -> tuple[float, str | None, str | None]:
    """(points earned, evidence text or None, gap reason or None) for an ANSWER rule."""
    answer = view.facts.answers.get(rule.question)
    if answer is None:
        return 0.0, None, "Not answered yet."
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


def _question_active(view: DealView, key: str) -> bool:
    question = view.facts.questions.get(key)
    return question is None or question.active


def _gap(view: DealView, rule: Rule, reason: str) -> Gap:
    question = view.facts.questions.get(rule.question)
    if question is None:
        default = DEFAULT_QUESTIONS_BY_KEY[rule.question]
        question = QuestionText(default.dimension, default.text, default.action)
    return Gap(reason=reason, question=question.text, action=question.action, rule=rule.id,
               question_key=rule.question)
