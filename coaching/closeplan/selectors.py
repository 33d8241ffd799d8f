"""Reads of close plans. Permission comes from the deal: callers fetch the
opportunity with `deals.selectors.opportunity_get_for_user` first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Stakeholder
from deals.models import DealRole, Opportunity

from .models import (
    BuyerAccess,
    ClosePlan,
    DateProposal,
    Holiday,
    Milestone,
    PlanChange,
    PlanComment,
    PlanTemplate,
    ShareLink,
)
from .schedule import (
    SIGNING_ROLES,
    MilestoneInput,
    PlanSchedule,
    PlanSummary,
    ScheduledMilestone,
    schedule_plan,
    summarize,
)

User = get_user_model()

SHARE_TOKEN_SALT = "coaching.closeplan.share-link"
STATUS_LABELS = {"done": "Done", "overdue": "Overdue", "late": "Late", "on_track": "On track"}


def holiday_dates() -> frozenset[dt.date]:
    return frozenset(Holiday.objects.values_list("date", flat=True))


def milestones_queryset() -> QuerySet[Milestone]:
    return Milestone.objects.select_related("owner_stakeholder", "owner_user", "done_by_stakeholder").order_by(
        "position", "id"
    )


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


def validation_facts(plan: ClosePlan) -> dict:
    """Who confirmed the plan, for `summarize` (stored on the plan: no query)."""
    validated = plan.is_validated
    return {
        "validated_by_name": plan.validated_by_name if validated else "",
        "validated_by": plan.validated_by_label if validated else "",
        "validated_by_stakeholder_id": plan.validated_by_stakeholder_id if validated else None,
        "validated_by_can_sign": plan.validated_by_someone_who_can_sign,
    }


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
        **validation_facts(plan),
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
            **validation_facts(plan),
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
            **validation_facts(plan),
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


# --- the mutual plan -----------------------------------------------------------------------


def buyer_stakeholder_for_email(*, link: ShareLink, email: str) -> Stakeholder | None:
    """The stakeholder who may open this link with this address: at the deal's account, in a
    role on the deal or among the link's recipients. None for anyone else."""
    if not email:
        return None
    opportunity = link.plan.opportunity
    recipients = ShareLink.recipients.through.objects.filter(sharelink_id=link.pk).values("stakeholder_id")
    return (
        Stakeholder.objects.alive()
        .filter(account_id=opportunity.account_id, email__iexact=email)
        .filter(Q(deal_roles__opportunity_id=opportunity.pk) | Q(pk__in=recipients))
        .order_by("pk")
        .first()
    )


def buyer_role_on_deal(*, opportunity_id: int, stakeholder_id: int) -> str:
    """The stakeholder's role on the deal that carries most authority: a signing role if they
    have one, else any role, else ''."""
    roles = list(
        DealRole.objects.filter(opportunity_id=opportunity_id, stakeholder_id=stakeholder_id)
        .order_by("id").values_list("role", flat=True)
    )
    return next((r for r in roles if r in SIGNING_ROLES), roles[0] if roles else "")


def buyer_access_get(*, link: ShareLink, access_id) -> BuyerAccess | None:
    """The proven, unlocked access a buyer's session names on this link, or None."""
    if not isinstance(access_id, int):
        return None
    access = (
        BuyerAccess.objects.filter(pk=access_id, link_id=link.pk, verified_at__isnull=False, locked_at__isnull=True)
        .select_related("stakeholder")
        .first()
    )
    if access is not None:
        access.link = link  # already fetched with its plan and deal
    return access


@dataclass(frozen=True)
class Thread:
    """What passed between the buyer and the rep on a plan: comments with their replies, proposals."""

    comments: tuple[PlanComment, ...]  # top-level, each with `.thread_replies`
    proposals: tuple[DateProposal, ...]

    @property
    def pending_proposals(self) -> tuple[DateProposal, ...]:
        return tuple(p for p in self.proposals if p.status == DateProposal.Status.PENDING)

    @property
    def waiting_comments(self) -> tuple[PlanComment, ...]:
        return tuple(c for c in self.comments if c.author_stakeholder_id and c.answered_at is None)

    @property
    def waiting(self) -> int:
        return len(self.pending_proposals) + len(self.waiting_comments)


def plan_thread(plan: ClosePlan) -> Thread:
    """The plan's comments (oldest first, replies under theirs) and proposals. Two queries."""
    comments = list(plan.comments.select_related("author_stakeholder", "author_user"))
    by_id = {c.pk: c for c in comments}
    top = []
    for comment in comments:
        comment.thread_replies = []
        parent = by_id.get(comment.in_reply_to_id)
        if parent is not None:
            parent.thread_replies.append(comment)
        else:
            top.append(comment)
    proposals = tuple(plan.proposals.select_related("proposed_by", "decided_by"))
    return Thread(comments=tuple(top), proposals=proposals)


def customer_waiting_counts(*, opportunity_ids: Iterable[int]) -> dict[int, int]:
    """How many buyer comments and date proposals wait for the rep, per deal (only deals
    with some). One query."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    rows = (
        ClosePlan.objects.filter(opportunity_id__in=ids)
        .annotate(
            waiting_comments=Count(
                "comments", filter=Q(comments__author_stakeholder__isnull=False, comments__answered_at__isnull=True),
                distinct=True,
            ),
            waiting_proposals=Count("proposals", filter=Q(proposals__status="pending"), distinct=True),
        )
        .filter(Q(waiting_comments__gt=0) | Q(waiting_proposals__gt=0))
        .values_list("opportunity_id", "waiting_comments", "waiting_proposals")
    )
    return {opportunity_id: comments + proposals for opportunity_id, comments, proposals in rows}


def share_recipients_for(opportunity: Opportunity) -> QuerySet[Stakeholder]:
    """People at the deal's account with an email, those in a role on the deal first (`on_deal`)."""
    on_deal = DealRole.objects.filter(opportunity_id=opportunity.pk, stakeholder_id=OuterRef("pk"))
    return (
        Stakeholder.objects.alive()
        .filter(account_id=opportunity.account_id)
        .exclude(email="")
        .annotate(on_deal=Exists(on_deal))
        .order_by("-on_deal", "name")
    )
