"""Reads for RSVP coaching. Permission comes from the deal: callers fetch it
with `deals.selectors.opportunity_get_for_user` first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from coaching.rsvp.facts import deal_facts_for, question_texts
from coaching.rsvp.forms import ANSWER_OPTIONS, answer_form_rows
from coaching.rsvp.models import CoachingAnswer, CoachingQuestion
from coaching.rsvp.scoring import CoachingResult, DealFacts, score_deal
from deals.models import Opportunity


def coaching_result_for(opportunity: Opportunity, *, as_of: dt.date | None = None) -> CoachingResult:
    """The deal's coaching, computed now from the current data. The deal page,
    the API and the stored `DealScore` all come from this same scoring."""
    as_of = as_of or timezone.localdate()
    facts = deal_facts_for(opportunity_ids=[opportunity.pk], as_of=as_of)
    return score_deal(facts.get(opportunity.pk) or DealFacts(as_of=as_of))


def open_coaching_results(*, as_of: dt.date | None = None, chunk: int = 2000) -> Iterator[tuple[int, CoachingResult]]:
    """(deal id, coaching) for every open, live deal, scored now, in chunks of a fixed number of queries."""
    as_of = as_of or timezone.localdate()
    ids = list(Opportunity.objects.alive().filter(status=Opportunity.Status.OPEN).order_by("id")
               .values_list("id", flat=True))
    questions = question_texts()
    for start in range(0, len(ids), chunk):
        facts = deal_facts_for(opportunity_ids=ids[start:start + chunk], as_of=as_of, questions=questions,
                               open_only=True)
        for opportunity_id, deal in facts.items():
            yield opportunity_id, score_deal(deal)


@dataclass(frozen=True)
class AnswerRow:
    """One active question with the deal's current answer to it (if any), for forms and the API."""

    question: CoachingQuestion
    answer: CoachingAnswer | None

    @property
    def key(self) -> str:
        return self.question.key


def coaching_answer_rows(*, opportunity: Opportunity) -> list[AnswerRow]:
    """Every active question in order, with this deal's answer. Two queries."""
    answers = {
        a.question_id: a
        for a in CoachingAnswer.objects.filter(opportunity=opportunity).select_related("answered_by")
    }
    return [
        AnswerRow(question=q, answer=answers.get(q.id))
        for q in CoachingQuestion.objects.filter(active=True).order_by("order", "id")
    ]


def coaching_context(*, opportunity: Opportunity, as_of: dt.date | None = None) -> dict:
    """Everything `rsvp/_partials/scorecard.html` and `answers_form.html` need;
    merge it into the deal page's context."""
    rows = coaching_answer_rows(opportunity=opportunity)
    return {
        "opportunity": opportunity,
        "coaching": coaching_result_for(opportunity, as_of=as_of),
        "answer_form_rows": answer_form_rows(rows),
        "answered_count": sum(1 for row in rows if row.answer is not None),
        "answer_options": ANSWER_OPTIONS,
        "answer_form_errors": [],
    }
