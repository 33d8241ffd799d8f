"""Writes for RSVP coaching: stored deal scores, weekly snapshots, and the
rep's answers to the coaching questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coaching.rsvp.facts import deal_facts_for, question_texts
from coaching.rsvp.models import CoachingAnswer, CoachingQuestion, DealScore
from coaching.rsvp.scoring import ANSWER_CHOICES, CoachingResult, score_deal
from coaching.rsvp.signals import deal_scores_recomputed
from coaching.rsvp.store import DIMENSIONS, ScoreRow, snapshot_open_scores, upsert_scores
from dealcoach.dates import week_start
from deals.models import Opportunity
from deals.signals import announce_deal_changed

# Deals scored per batch: a fixed number of queries each, and IN lists the database handles well.
RECOMPUTE_CHUNK = 2000
EVIDENCE_MAX_CHARS = 2000


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _score_row(opportunity_id: int, result: CoachingResult) -> ScoreRow:
    d = result.dimensions
    return ScoreRow(
        opportunity_id=opportunity_id,
        overall=result.overall,
        scores=tuple(d[name].score for name in DIMENSIONS),
        statuses=tuple(d[name].status for name in DIMENSIONS),
        summary=result.summary(),
    )


def deal_scores_recompute(*, opportunity_ids: Iterable[int], as_of: dt.date | None = None) -> int:
    """Score these deals and store the results; returns how many were scored.

    Open, live deals get an up-to-date `DealScore` (one upsert per chunk);
    deals that are closed or deleted lose theirs. Safe to run twice or
    concurrently: the upsert is keyed on the deal."""
    as_of = as_of or timezone.localdate()
    ids = sorted({int(i) for i in opportunity_ids})
    if not ids:
        return 0
    questions = question_texts()
    scored = 0
    for chunk in _chunks(ids, RECOMPUTE_CHUNK):
        facts = deal_facts_for(opportunity_ids=chunk, as_of=as_of, questions=questions, open_only=True)
        rows = [_score_row(opportunity_id, score_deal(f)) for opportunity_id, f in facts.items()]
        upsert_scores(rows, as_of=as_of, now=timezone.now())
        gone = set(chunk) - set(facts)
        if gone:
            DealScore.objects.filter(opportunity_id__in=gone).delete()
        scored += len(rows)
    deal_scores_recomputed.send(sender="rsvp", opportunity_ids=ids)
    return scored


def deal_scores_recompute_all(*, as_of: dt.date | None = None) -> int:
    """Rescore every open deal (the nightly refresh: engagement ages even when nothing changes)."""
    open_deals = Opportunity.objects.alive().filter(status=Opportunity.Status.OPEN)
    DealScore.objects.exclude(opportunity_id__in=open_deals.values("id")).delete()
    return deal_scores_recompute(opportunity_ids=list(open_deals.order_by("id").values_list("id", flat=True)), as_of=as_of)


def score_snapshots_take(*, week: dt.date) -> int:
    """Copy the stored scores of open deals into the snapshot of `week` (any
    day of it; stored as its Monday). Idempotent: taking it again in the same
    week refreshes that week's rows instead of adding new ones."""
    return snapshot_open_scores(week=week_start(week), now=timezone.now())


# --- answers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    """One answer as a caller received it. `prefix` is how the caller names
    this item's fields in error messages ("" for a lone answer, "answers[2]."
    in a list, "rel_champion-" in a form)."""

    question: object
    answer: object
    evidence: object = ""
    prefix: str = ""


def check_answer_inputs(
    items: Sequence[AnswerInput], *, questions: dict[str, CoachingQuestion]
) -> dict[str, list[str]]:
    """Field errors, named with each item's prefix; empty when all is well."""
    errors: dict[str, list[str]] = {}
    if not items:
        return {"answers": ["Send at least one answer."]}
    seen: set[str] = set()
    for item in items:
        def fail(field: str, message: str, item=item) -> None:
            errors.setdefault(f"{item.prefix}{field}", []).append(message)

        if not isinstance(item.question, str) or not item.question:
            fail("question", "Give the question's key, e.g. 'rel_economic_buyer'.")
        elif item.question not in questions:
            fail("question", f"'{item.question}' is not a coaching question.")
        elif not questions[item.question].active:
            fail("question", f"'{item.question}' is retired and takes no new answers.")
        elif item.question in seen:
            fail("question", f"'{item.question}' is answered twice in this request.")
        else:
            seen.add(item.question)
        if item.answer not in ANSWER_CHOICES:
            fail("answer", f"Answer with one of: {', '.join(ANSWER_CHOICES)}.")
        if item.evidence is not None and not isinstance(item.evidence, str):
            fail("evidence", "Evidence must be text.")
        elif item.evidence and len(item.evidence) > EVIDENCE_MAX_CHARS:
            fail("evidence", f"Keep evidence under {EVIDENCE_MAX_CHARS} characters.")
    return errors


@transaction.atomic
def coaching_answers_set(*, actor, opportunity: Opportunity, items: Sequence[AnswerInput]) -> list[CoachingAnswer]:
    """Record the rep's answers for one deal (the caller has checked the actor
    may see it). All or nothing: any bad item raises ValidationError naming
    the field. Unchanged answers are left alone; the deal is rescored after commit."""
    questions = {q.key: q for q in CoachingQuestion.objects.all()}
    errors = check_answer_inputs(items, questions=questions)
    if errors:
        raise ValidationError(errors)
    existing = {a.question_id: a for a in CoachingAnswer.objects.filter(opportunity=opportunity)}
    now = timezone.now()
    changed = []
    for item in items:
        question = questions[item.question]
        evidence = (item.evidence or "").strip()
        current = existing.get(question.id)
        if current is not None and current.answer == item.answer and current.evidence == evidence:
            continue
        changed.append(CoachingAnswer(
            opportunity=opportunity, question=question, answer=item.answer, evidence=evidence,
            answered_by=actor, answered_at=now,
        ))
    if changed:
        CoachingAnswer.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["opportunity", "question"],
            update_fields=["answer", "evidence", "answered_by", "answered_at"],
        )
        announce_deal_changed([opportunity.id])
    return list(CoachingAnswer.objects.filter(opportunity=opportunity).select_related("question", "answered_by"))


def coaching_answer_set(
    *, actor, opportunity: Opportunity, question: str, answer: str, evidence: str = ""
) -> CoachingAnswer:
    """Record one answer; see `coaching_answers_set`."""
    answers = coaching_answers_set(
        actor=actor, opportunity=opportunity, items=[AnswerInput(question, answer, evidence)]
    )
    return next(a for a in answers if a.question.key == question)
