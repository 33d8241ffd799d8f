"""Reads of close plans. Permission comes from the deal: callers fetch the
opportunity with `deals.selectors.opportunity_get_for_user` first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Stakeholder
from deals.models import Opportunity

from .models import ClosePlan, Holiday, Milestone, PlanChange, PlanTemplate, ShareLink
from .schedule import MilestoneInput, PlanSchedule, PlanSummary, ScheduledMilestone, schedule_plan, summarize

User = get_user_model()

SHARE_TOKEN_SALT = "coaching.closeplan.share-link"
STATUS_LABELS = {"done": "Done", "overdue": "Overdue", "late": "Late", "on_track": "On track"}


def holiday_dates() -> frozenset[dt.date]:
    return frozenset(Holiday.objects.values_list("date", flat=True))


def milestones_queryset() -> QuerySet[Milestone]:
    return Milestone.objects.select_related("owner_stakeholder", "owner_user").order_by("position", "id")


def plan_get_for_opportunity(*, opportunity_id: int) -> ClosePlan | None:
    """The deal's plan with its milestones and their owners, or None."""
    return (
        ClosePlan.objects.filter(opportunity_id=opportunity_id)
        .select_related("opportunity", "opportunity__account")
        .prefetch_related(Prefetch("milestones", queryset=milestones_queryset()))
        .first()
    )


def milestone_inputs(milestones: Iterable[Milestone]) -> list[MilestoneInput]:
    return [
        MilestoneInput(
            key=m.key,
            name=m.name,
            side=m.side,
            duration_days=m.duration_days,
            depends_on=tuple(m.depends_on or ()),
            done_on=m.done_on,
        )
        for m in milestones
    ]


def plan_schedule_for(
    plan: ClosePlan, as_of: dt.date, *, holidays: frozenset[dt.date] | None = None
) -> PlanSchedule:
    """Schedule a plan as stored. Reads `plan.milestones.all()` (prefetch it)."""
    return schedule_plan(
        go_live_date=plan.go_live_date,
        milestones=milestone_inputs(plan.milestones.all()),
        as_of=as_of,
        holidays=holiday_dates() if holidays is None else holidays,
    )


def plan_summary_for(
    plan: ClosePlan, as_of: dt.date, *, holidays: frozenset[dt.date] | None = None
) -> PlanSummary:
    return summarize(
        plan_schedule_for(plan, as_of, holidays=holidays),
        as_of=as_of,
        validated=plan.is_validated,
        changed_since_validation=plan.changed_since_validation,
        opportunity_id=plan.opportunity_id,
        expected_close_date=plan.opportunity.expected_close_date,
        validated_by_name=plan.validated_by_name if plan.is_validated else "",
    )


def plan_summaries(*, opportunity_ids: Iterable[int], as_of: dt.date) -> dict[int, PlanSummary]:
    """Summaries of the plans of these deals, keyed by opportunity id; deals
    without a plan are absent. Three queries whatever the number of deals."""
    return {
        opportunity_id: summary
        for opportunity_id, (summary, _) in plan_summaries_with_next_milestone(
            opportunity_ids=opportunity_ids, as_of=as_of
        ).items()
    }


def plan_summaries_with_next_milestone(
    *, opportunity_ids: Iterable[int], as_of: dt.date
) -> dict[int, tuple[PlanSummary, ScheduledMilestone | None]]:
    """Like `plan_summaries`, with each plan's next deadline: the open milestone
    with the earliest latest finish (None when all are done)."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    plans = (
        ClosePlan.objects.filter(opportunity_id__in=ids)
        .select_related("opportunity")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("position", "id")))
    )
    holidays = holiday_dates()
    result = {}
    for plan in plans:
        schedule = plan_schedule_for(plan, as_of, holidays=holidays)
        summary = summarize(
            schedule,
            as_of=as_of,
            validated=plan.is_validated,
            changed_since_validation=plan.changed_since_validation,
            opportunity_id=plan.opportunity_id,
            expected_close_date=plan.opportunity.expected_close_date,
            validated_by_name=plan.validated_by_name if plan.is_validated else "",
        )
        open_milestones = [m for m in schedule.milestones if m.done_on is None]
        next_milestone = min(open_milestones, key=lambda m: m.latest_finish, default=None)
        result[plan.opportunity_id] = (summary, next_milestone)
    return result


@dataclass(frozen=True)
class MilestoneDetail:
    """A stored milestone with its computed dates, for pages, the API and exports."""

    milestone: Milestone
    scheduled: ScheduledMilestone
    status: str

    @property
    def owner(self):
        return self.milestone.owner

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def owner_kind(self) -> str | None:
        if self.milestone.owner_stakeholder_id:
            return "stakeholder"
        if self.milestone.owner_user_id:
            return "user"
        return None

    @property
    def owner_name(self) -> str:
        owner = self.milestone.owner
        if owner is None:
            return ""
        if self.owner_kind == "stakeholder":
            return owner.name
        return owner.get_full_name() or owner.username


@dataclass(frozen=True)
class PlanDetail:
    plan: ClosePlan
    as_of: dt.date
    schedule: PlanSchedule
    summary: PlanSummary
    milestones: tuple[MilestoneDetail, ...]
    changes_since_validation: tuple[PlanChange, ...]


def plan_detail(plan: ClosePlan, as_of: dt.date) -> PlanDetail:
    """Everything a page, the API or an export shows about a plan (prefetch its milestones)."""
    holidays = holiday_dates()
    schedule = plan_schedule_for(plan, as_of, holidays=holidays)
    by_key = {m.key: m for m in schedule.milestones}
    milestones = tuple(
        MilestoneDetail(milestone=m, scheduled=by_key[m.key], status=by_key[m.key].status(as_of))
        for m in plan.milestones.all()
    )
    return PlanDetail(
        plan=plan,
        as_of=as_of,
        schedule=schedule,
        summary=summarize(
            schedule,
            as_of=as_of,
            validated=plan.is_validated,
            changed_since_validation=plan.changed_since_validation,
            opportunity_id=plan.opportunity_id,
            expected_close_date=plan.opportunity.expected_close_date,
            validated_by_name=plan.validated_by_name if plan.is_validated else "",
        ),
        milestones=milestones,
        changes_since_validation=tuple(plan_changes_since_validation(plan)),
    )


def plan_changes_since_validation(plan: ClosePlan) -> list[PlanChange]:
    if plan.validated_version is None:
        return []
    return list(plan.changes.filter(version__gt=plan.validated_version).select_related("changed_by"))


def plan_templates() -> QuerySet[PlanTemplate]:
    return PlanTemplate.objects.order_by("name")


def share_links_for(plan: ClosePlan) -> list[ShareLink]:
    return list(plan.share_links.select_related("created_by"))


def share_link_token(link: ShareLink) -> str:
    return signing.dumps(link.pk, salt=SHARE_TOKEN_SALT)


def share_link_from_token(token: str) -> ShareLink | None:
    """The link a token names, whether or not it still works; None for a forged or garbled token."""
    try:
        link_id = signing.loads(token, salt=SHARE_TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(link_id, int):
        return None
    return (
        ShareLink.objects.filter(pk=link_id)
        .select_related("plan", "plan__opportunity", "plan__opportunity__account")
        .first()
    )


def owner_users_for(opportunity: Opportunity):
    """Users who may own a milestone on our side: the deal owner and their team."""
    owner = opportunity.owner
    scope = Q(pk=owner.pk)
    if owner.team_id:
        scope |= Q(team_id=owner.team_id) | Q(managed_teams=owner.team_id)
    return User.objects.filter(is_active=True).filter(scope).distinct().order_by("first_name", "username")


def owner_stakeholders_for(opportunity: Opportunity):
    """Stakeholders who may own a milestone on the customer's side: people at the deal's account."""
    return Stakeholder.objects.alive().filter(account_id=opportunity.account_id).order_by("name")
