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

from dataclasses import dataclass
from operator import itemgetter
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


class DimensionResult:
    """One dimension's score, status, evidence and gaps (most pressing first).

    Rescoring the pipeline stores only each dimension's gap count and top gap, so the facts behind
    the gaps are kept as found and ranked and written out (reason, question, action) only when read:
    `gap_count` and `top_gap` write out at most one gap."""

    __slots__ = ("score", "status", "evidence", "_unanswered", "_gaps", "_facts", "_make", "_ranked", "_top",
                 "_head")

    def __init__(self, score: int, status: str, evidence: list[str] | None = None, gaps: list[Gap] | None = None,
                 unanswered: list[str] | None = None, *, facts: tuple | None = None, make=None):
        self.score = score
        self.status = status
        self.evidence = evidence if evidence is not None else []
        self._unanswered = unanswered if unanswered is not None else []
        self._gaps = gaps if gaps is not None or facts is not None else []
        self._facts = facts  # (findings per fact, weak answers per fact), when the gaps are not written yet
        self._make = make  # question key -> Gap
        self._ranked: list | None = None
        self._top: Gap | None = None
        self._head: tuple | None = None  # (gap count, (rank, key, rule id) of the top gap or None)

    @property
    def ranked(self) -> list[tuple[tuple, str]]:
        """(rank, question key) of each gap, most pressing first."""
        if self._ranked is None:
            self._ranked = (_rank_facts(*self._facts) if self._facts is not None
                            else [(g.rank, g.question_key) for g in self._gaps])
        return self._ranked

    @property
    def gaps(self) -> list[Gap]:
        if self._gaps is None:
            self._gaps = [self._make(key) for _, key in self.ranked]
        return self._gaps

    def _counted(self) -> tuple:
        if self._head is None:
            if self._gaps is not None:
                top = self._gaps[0] if self._gaps else None
                self._head = (len(self._gaps), (top.rank, top.question_key, top.rule) if top else None)
            else:
                self._head = _count_and_top(*self._facts)
        return self._head

    @property
    def gap_count(self) -> int:
        return self._counted()[0]

    @property
    def top_fact(self) -> tuple | None:
        """(rank, question key, rule id) of the top gap, without writing it out."""
        return self._counted()[1]

    @property
    def top_gap(self) -> Gap | None:
        if self._gaps is not None:
            return self._gaps[0] if self._gaps else None
        if self._top is None and (head := self.top_fact) is not None:
            self._top = self._make(head[1])
        return self._top

    @property
    def unanswered(self) -> list[str]:
        """Keys of questions expected at this stage, not answered, about facts the data shows no gap in."""
        if not self._unanswered or (self._facts is None and not self._gaps):
            return self._unanswered
        listed = {key for _, key in self.ranked}
        return [key for key in self._unanswered if key not in listed]

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
        scores, statuses, gap counts, each dimension's most pressing gap (its
        rule and question), the anchors' states, and the one question to ask
        first (`next_gap`, the only gap the summary writes out). The full result is
        one `coaching_result_for` away; storing it for every deal would cost
        ten times the write volume."""
        dimensions = {}
        first = None
        for name, d in self.dimensions.items():
            head = d.top_fact
            dimensions[name] = {
                "score": d.score,
                "status": d.status,
                "gaps": d.gap_count,
                "next": {"rule": head[2], "question": head[1]} if head else None,
            }
            if head is not None and (first is None or head[0] < first[0]):
                first = (head[0], d)
        top = first[1].top_gap if first else None
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
        heads = [(head[0], d) for d in self.dimensions.values() if (head := d.top_fact) is not None]
        return min(heads, key=itemgetter(0))[1].top_gap if heads else None


def score_deal(facts: DealFacts) -> CoachingResult:
    view = DealView(facts)
    dimensions = {dim: _score_dimension(view, dim) for dim in DIMENSIONS}
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


def _rule_rows(rules: tuple[Rule, ...]) -> tuple[tuple, ...]:
    """Each rule as the plain tuple the hot loop unpacks (attribute lookups on 60 rules per deal add up),
    with a CAP rule's ceiling per stage level looked up, not computed."""
    rows = []
    for rule in rules:
        ceilings = tuple(rule.cap_at(level) for level in range(len(STAGE_LADDER) + 1)) if rule.kind == CAP else ()
        rows.append((rule.kind, rule.points, rule.from_level, rule.check, rule.question, rule.id, ceilings, rule))
    return tuple(rows)


_ROWS_BY_DIMENSION: dict[str, tuple[tuple, ...]] = {dim: _rule_rows(RULES_BY_DIMENSION[dim]) for dim in DIMENSIONS}


def _score_dimension(view: DealView, dimension: str) -> DimensionResult:
    # The hot loop of rescoring (every rule of every deal): locals, and the common "not answered"
    # case of an ANSWER rule decided here without the calls `_judge_answer` would make.
    level = view.level
    questions = view.facts.questions
    answers = view.facts.answers
    earned = possible = 0.0
    penalty = 0
    ceiling = 100
    evidence: list[str] = []
    # What the data says is wrong, per fact (question key): (severity, rule id, reason) of each rule.
    # Severity sorts most pressing first: caps, then penalties, then by the points at stake.
    missing: dict[str, list[tuple[float, str, str]]] = {}
    # The rep's answer per fact when it leaves a gap: (severity, rule id, reason, note to add to a data reason).
    weak_answers: dict[str, tuple[float, str, str, str]] = {}
    unanswered: list[str] = []

    for kind, points, from_level, check, key, rule_id, ceilings, rule in _ROWS_BY_DIMENSION[dimension]:
        if kind == EARN:
            met, text = check(view)
            if met:
                earned += points
                possible += points
                if text not in evidence:  # two rules can see the same fact ("Budget approved.")
                    evidence.append(text)
            elif level >= from_level:
                possible += points
                if (found := missing.get(key)) is None:
                    missing[key] = [(-points, rule_id, text)]
                else:
                    found.append((-points, rule_id, text))
        elif kind == ANSWER:
            question = questions.get(key)
            if question is not None and not question.active:
                continue
            expected = level >= from_level
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
                weak_answers[key] = (got - points, rule_id, gap_reason, note)
        elif kind == PENALTY:
            if level >= from_level and (reason := check(view)) is not None:
                penalty += points
                missing.setdefault(key, []).append((-100 - points, rule_id, reason))
        else:  # CAP
            cap = ceilings[level]
            if cap is not None and (reason := check(view)) is not None:
                if cap < ceiling:
                    ceiling = cap
                missing.setdefault(key, []).append((cap - 300, rule_id, reason))

    base = round(100 * earned / possible) if possible else 0
    score = max(0, min(base - penalty, ceiling, 100))
    if not missing and not weak_answers:
        return DimensionResult(score, status_for(score), evidence, [], unanswered)

    def make(key: str) -> Gap:
        return _fact_gap(view, dimension, key, missing.get(key), weak_answers.get(key), key in unanswered)

    return DimensionResult(score, status_for(score), evidence, None, unanswered,
                           facts=(missing, weak_answers), make=make)


def _fact_ranks(missing: dict[str, list[tuple[float, str, str]]],
                weak_answers: dict[str, tuple[float, str, str, str]]):
    """(rank, question key, rule id) of every fact with something to say, unordered. A fact whose
    findings all have empty reasons is explained by a more basic fact's gap: it is not ranked."""
    for key, findings in missing.items():
        answer = weak_answers.get(key)
        if len(findings) == 1:
            severity, rule_id, reason = findings[0]
            if not reason and answer is None:
                continue
        else:
            if answer is None and not any(f[2] for f in findings):
                continue
            severity, rule_id, _ = min(findings)
        if answer is not None and answer[0] < severity:
            severity = answer[0]
        tier, position = QUESTION_PRIORITY.get(key, UNRANKED)
        yield (tier, severity, position), key, rule_id
    for key, answer in weak_answers.items():
        if key not in missing:
            tier, position = QUESTION_PRIORITY.get(key, UNRANKED)
            yield (tier, answer[0], position), key, answer[1]


def _count_and_top(missing: dict[str, list[tuple[float, str, str]]],
                   weak_answers: dict[str, tuple[float, str, str, str]]) -> tuple[int, tuple | None]:
    """(how many gaps, (rank, question key, rule id) of the top one): what the stored summary needs,
    in one pass, without sorting every gap."""
    count = 0
    top = None
    for fact in _fact_ranks(missing, weak_answers):
        count += 1
        if top is None or fact[0] < top[0]:
            top = fact
    return count, top


def _rank_facts(missing: dict[str, list[tuple[float, str, str]]],
                weak_answers: dict[str, tuple[float, str, str, str]]) -> list[tuple[tuple, str]]:
    """(rank, question key) of every fact with something to say, most pressing first."""
    return sorted((rank, key) for rank, key, _ in _fact_ranks(missing, weak_answers))


def _fact_gap(view: DealView, dimension: str, key: str, findings: list[tuple[float, str, str]] | None,
              answer: tuple[float, str, str, str] | None, unanswered: bool) -> Gap:
    """The one gap about a fact: the most severe finding, the reason of the most severe rule that has
    something to say (an empty reason defers to a more basic fact's gap), then what the rep answered,
    or that they have not. Its rank is the one `_rank_facts` gave it."""
    if findings is None:
        severity, rule_id, reason, rules = 0.0, "", "", ()
    else:
        severity, rule_id, _ = min(findings)
        said = [f for f in findings if f[2]]
        reason = min(said)[2] if said else ""
        rules = tuple(f[1] for f in findings)
    if answer is not None:
        rules += (answer[1],)
        if not reason:
            reason, rule_id = answer[2], rule_id or answer[1]
        else:
            reason = f"{reason} {answer[3]}"
        if answer[0] < severity:
            severity = answer[0]
    elif unanswered:
        reason = f"{reason} {NOT_ANSWERED_NOTE}"
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
