"""RSVP's part of the demo: reps' answers to the coaching questions, so the
scorecard shows every kind of answer — backed by evidence, a bare "yes"
(half credit), "don't know", and a confident "yes" the data contradicts —
then this week's score snapshot. Called by `seed_demo` after the deals
exist. Deterministic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from deals.models import Opportunity

from .services import AnswerInput, coaching_answers_set, deal_scores_recompute_all, score_snapshots_take

EVIDENCED = [
    AnswerInput("rel_integrity", "yes",
                "Our champion walked us through the draft budget before it went to the CFO."),
    AnswerInput("proc_evaluation", "yes",
                "IT sent the evaluation criteria and their scoring sheet after the workshop."),
    AnswerInput("value_customer_defined", "yes",
                "The CFO in the steering meeting: working capital is the number the board watches."),
]
BARE = [AnswerInput("rel_economic_buyer", "yes", ""), AnswerInput("strat_people_plan", "yes", "")]
UNSURE = [
    AnswerInput("proc_procurement", "dont_know", ""),
    AnswerInput("proc_approval", "partly", "Spend above 250k goes to the board; we don't know the meeting dates yet."),
]
# Rep says yes; the deal has no economic buyer or decision maker on its map.
CONTRADICTED = AnswerInput("rel_economic_buyer", "yes", "Had a good coffee with their finance lead last month.")
REFERENCES_COMMITTED = AnswerInput(
    "proc_reference_timing", "yes", "Sponsor confirmed by email: a good reference call is the last step before the order."
)


def demo_answers(*, as_of: dt.date | None = None) -> int:
    """Answer the coaching questions on the demo deals; returns answers written."""
    deals = list(
        Opportunity.objects.filter(external_id__startswith="demo-opp-", status="open")
        .select_related("owner")
        .order_by("id")
    )
    with_power = set(
        Opportunity.objects.filter(pk__in=[d.pk for d in deals], roles__role__in=["economic_buyer", "decision_maker"])
        .values_list("id", flat=True)
    )
    with_references = set(
        Opportunity.objects.filter(pk__in=[d.pk for d in deals], activities__summary__icontains="reference")
        .values_list("id", flat=True)
    )
    written = 0
    for index, deal in enumerate(deals):
        items = [EVIDENCED, BARE, UNSURE, []][index % 4]
        if deal.pk not in with_power:
            items = [item for item in items if item.question != CONTRADICTED.question] + [CONTRADICTED]
        if deal.pk in with_references and index % 3 == 0:
            items = [*items, REFERENCES_COMMITTED]
        if items:
            coaching_answers_set(actor=deal.owner, opportunity=deal, items=items)
            written += len(items)
    day = as_of or timezone.localdate()
    deal_scores_recompute_all(as_of=day)
    score_snapshots_take(week=day)
    return written
