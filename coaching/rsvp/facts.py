"""Database → `DealFacts`, in bulk: the same small, fixed number of queries
for one deal or two thousand (callers chunk bigger sets).

Activities are not loaded one by one: engagement comes pre-aggregated per
(deal, stakeholder) as `RoleFact.last_engaged_on`, and only the activities
the rules read on their own (reference checks: the activity kind, or a synced
subject that speaks of references) become `ActivityFact`s.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db.models import F, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from coaching.closeplan.selectors import plan_summaries
from coaching.rsvp.inputs import ActivityFact, AnswerFact, DealFacts, RoleFact
from coaching.rsvp.models import CoachingAnswer, CoachingQuestion
from coaching.rsvp.questions import QuestionText
from dealcoach.lookups import AnyOf
from deals.models import Activity, DealRole, Opportunity

_OPPORTUNITY_FIELDS = (
    "id", "stage__slug", "stage__order", "amount", "currency", "expected_close_date", "go_live_date",
    "budget_status", "budget_amount", "compelling_event", "consequence_if_missed", "success_criteria",
    "business_value", "competitors", "strategy", "strategy_notes",
)
_ROLE_FIELDS = (
    "opportunity_id", "stakeholder_id", "stakeholder__name", "stakeholder__title", "stakeholder__seniority",
    "role", "stance", "influence", "strength", "leans_to_competitor",
)


def question_texts() -> dict[str, QuestionText]:
    """Every stored question (retired ones too: a rule may still point at them)."""
    return {
        key: QuestionText(dimension, text, action, active)
        for key, dimension, text, action, active in CoachingQuestion.objects.values_list(
            "key", "dimension", "text", "action", "active"
        )
    }


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day`, in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def deal_facts_for(
    *,
    opportunity_ids: Sequence[int],
    as_of: dt.date,
    questions: dict[str, QuestionText] | None = None,
    open_only: bool = False,
) -> dict[int, DealFacts]:
    """Facts for the live (not deleted) deals among `opportunity_ids`, keyed by
    id; only the open ones with `open_only`.

    Eight queries whatever the number of deals (seven when `questions` is given):
    deals, roles, engagement, reference activities, answers, questions, and the
    close-plan summaries (plans, milestones, holidays)."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    if questions is None:
        questions = question_texts()
    until = end_of_day(as_of)

    deals_qs = Opportunity.objects.alive().filter(AnyOf(F("pk"), ids))
    if open_only:
        deals_qs = deals_qs.filter(status=Opportunity.Status.OPEN)
    deals = list(deals_qs.values_list(*_OPPORTUNITY_FIELDS))
    ids = [row[0] for row in deals]

    engaged: dict[tuple[int, int], dt.date] = {}
    engagement = (
        Activity.stakeholders.through.objects.filter(
            AnyOf(F("activity__opportunity_id"), ids), activity__deleted_at__isnull=True,
            activity__occurred_at__lt=until,
        )
        .values_list("activity__opportunity_id", "stakeholder_id")
        .annotate(last=Max(TruncDate("activity__occurred_at")))  # the local date, computed by the database
        .order_by()
    )
    for opportunity_id, stakeholder_id, last in engagement:
        engaged[(opportunity_id, stakeholder_id)] = last

    roles: dict[int, list[RoleFact]] = defaultdict(list)
    role_rows = (
        DealRole.objects.filter(AnyOf(F("opportunity_id"), ids), stakeholder__deleted_at__isnull=True)
        .order_by("opportunity_id", "id")
        .values_list(*_ROLE_FIELDS)
    )
    for opp_id, sid, name, title, seniority, role, stance, influence, strength, leans in role_rows:
        roles[opp_id].append(
            RoleFact(sid, name, role, stance, influence, strength, leans, seniority, title, engaged.get((opp_id, sid)))
        )

    references: dict[int, list[ActivityFact]] = defaultdict(list)
    reference_rows = (
        Activity.objects.alive()
        .filter(AnyOf(F("opportunity_id"), ids), occurred_at__lt=until)
        .filter(Q(kind=Activity.Kind.REFERENCE_CHECK) | Q(summary__icontains="referenc"))
        .order_by("opportunity_id", "occurred_at")
        .values_list("opportunity_id", "occurred_at", "kind", "summary")
    )
    for opp_id, occurred_at, kind, summary in reference_rows:
        references[opp_id].append(ActivityFact(timezone.localdate(occurred_at), kind, (), summary))

    answers: dict[int, dict[str, AnswerFact]] = defaultdict(dict)
    for opp_id, key, answer, evidence in CoachingAnswer.objects.filter(AnyOf(F("opportunity_id"), ids)).values_list(
        "opportunity_id", "question__key", "answer", "evidence"
    ):
        answers[opp_id][key] = AnswerFact(answer, evidence)

    plans = plan_summaries(opportunity_ids=ids, as_of=as_of)

    facts: dict[int, DealFacts] = {}
    for (
        opp_id, stage_slug, stage_order, amount, currency, expected_close, go_live, budget_status, budget_amount,
        event, consequence, criteria, value, competitors, strategy, strategy_notes,
    ) in deals:
        facts[opp_id] = DealFacts(
            as_of=as_of,
            stage_slug=stage_slug,
            stage_order=stage_order,
            amount=amount,
            currency=currency,
            expected_close_date=expected_close,
            go_live_date=go_live,
            budget_status=budget_status,
            budget_amount=budget_amount,
            compelling_event=event,
            consequence_if_missed=consequence,
            success_criteria=criteria,
            business_value=value,
            competitors=tuple(str(c) for c in competitors or ()),
            strategy=strategy,
            strategy_notes=strategy_notes,
            roles=tuple(roles.get(opp_id, ())),
            activities=tuple(references.get(opp_id, ())),
            plan=plans.get(opp_id),
            answers=answers.get(opp_id, {}),
            questions=questions,
            engagement_window_days=settings.DEALCOACH_ENGAGEMENT_WINDOW_DAYS,
        )
    return facts
