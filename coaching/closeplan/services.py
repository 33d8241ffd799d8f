"""Writes to close plans.

Every plan write locks the plan row (`SELECT ... FOR UPDATE`), checks the
caller's expected version when given (optimistic concurrency for If-Match),
re-checks the whole plan with the scheduler so a cycle or unknown dependency
changes nothing, refreshes the stored latest dates, bumps the version, records
what changed, and announces the deal changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Stakeholder
from dealcoach.dates import OUT_OF_HORIZON, horizon_error
from deals.models import Opportunity
from deals.services import opportunity_update
from deals.signals import announce_deal_changed
from sync.webhooks import webhooks_emit

from .models import ClosePlan, Milestone, PlanChange, PlanTemplate, ShareLink
from .schedule import ScheduleError, schedule_plan
from .selectors import holiday_dates, milestone_inputs, share_link_token
from .templates_default import DEFAULT_TEMPLATE_SLUG
from .validation import (
    KEY_PATTERN,
    MILESTONE_FIELDS,
    check_milestone_value,
    check_owner,
    check_plan_milestones,
    unique_key,
)

User = get_user_model()

SHARE_LINK_DAYS = 30
MAX_SHARE_LINK_DAYS = 180


class PlanAlreadyExists(Exception):
    """The deal already has a close plan."""


class StalePlanVersion(Exception):
    """The caller edited an older version of the plan than the one stored."""

    def __init__(self, current_version: int):
        super().__init__(f"The plan has changed since you loaded it (now version {current_version}).")
        self.current_version = current_version


class ShareLinkUnusable(Exception):
    """The share link was revoked or has expired."""


class PlanChangedWhileReviewing(Exception):
    """The buyer confirmed a version of the plan that has since changed."""


# --- helpers ------------------------------------------------------------------


def _lock_plan(plan: ClosePlan, expected_version: int | None) -> ClosePlan:
    """Call inside a transaction: the plan row, locked, at the version the caller expects."""
    locked = ClosePlan.objects.select_for_update().select_related("opportunity").get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StalePlanVersion(locked.version)
    return locked


def _milestones(plan: ClosePlan) -> list[Milestone]:
    return list(plan.milestones.select_related("owner_stakeholder", "owner_user").order_by("position", "id"))


def _find(milestones: Sequence[Milestone], key: str) -> Milestone:
    for milestone in milestones:
        if milestone.key == key:
            return milestone
    raise Milestone.DoesNotExist(f"No milestone '{key}' in this plan.")


def _check_horizon(plan: ClosePlan, milestones: Sequence[Milestone]) -> None:
    """Every date the plan holds is inside the horizon (the deal's go-live may predate the rule)."""
    errors = {}
    if reason := horizon_error(plan.go_live_date):
        errors["go_live_date"] = [reason]
    done_errors = [reason for m in milestones if m.done_on and (reason := horizon_error(m.done_on))]
    if done_errors:
        errors["done_on"] = done_errors[:1]
    if errors:
        raise ValidationError({field: [ValidationError(m, code=OUT_OF_HORIZON) for m in messages]
                               for field, messages in errors.items()})


def _check_and_store_latest_dates(plan: ClosePlan, milestones: Sequence[Milestone]) -> None:
    """Refuse a plan the scheduler refuses; store each milestone's latest dates."""
    _check_horizon(plan, milestones)
    try:
        schedule = schedule_plan(
            go_live_date=plan.go_live_date,
            milestones=milestone_inputs(milestones),
            as_of=timezone.localdate(),
            holidays=holiday_dates(),
        )
    except ScheduleError as error:
        raise ValidationError({error.field: [str(error)]}) from error
    for milestone in milestones:
        scheduled = schedule.milestone(milestone.key)
        milestone.latest_start, milestone.latest_finish = scheduled.latest_start, scheduled.latest_finish
    Milestone.objects.bulk_update(
        [m for m in milestones if m.pk], ["latest_start", "latest_finish"], batch_size=200
    )


def _record_changes(
    plan: ClosePlan,
    changes: Iterable[tuple[str, str, str, str]],
    *,
    actor,
    now: dt.datetime,
    by_stakeholder: Stakeholder | None = None,
) -> None:
    """Bump the version and log (milestone key, field, old, new) rows against it;
    `by_stakeholder` records a change as the customer's."""
    changes = list(changes)
    if not changes:
        return
    plan.version += 1
    plan.save(update_fields=["version", "go_live_date", "why_go_live_matters", "updated_at"])
    PlanChange.objects.bulk_create(
        PlanChange(
            plan=plan,
            version=plan.version,
            milestone_key=key,
            field=field,
            old_value=old[:300],
            new_value=new[:300],
            changed_at=now,
            changed_by=actor if getattr(actor, "pk", None) else None,
            changed_by_stakeholder=by_stakeholder,
        )
        for key, field, old, new in changes
    )
    announce_deal_changed([plan.opportunity_id])


def _display(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "depends_on":
        return ", ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- plans --------------------------------------------------------------------


@transaction.atomic
def plan_create_from_template(
    *,
    actor,
    opportunity: Opportunity,
    go_live_date: dt.date | None,
    template_slug: str = DEFAULT_TEMPLATE_SLUG,
    why_go_live_matters: str = "",
) -> ClosePlan:
    """Create the deal's plan from a template. Raises PlanAlreadyExists if it has one.

    The go-live date defaults to the deal's; the deal's is set to the plan's.
    """
    locked = Opportunity.objects.select_for_update(of=("self",)).get(pk=opportunity.pk)
    if ClosePlan.objects.filter(opportunity_id=locked.pk).exists():
        raise PlanAlreadyExists(f"{opportunity} already has a close plan.")
    go_live_date = go_live_date or locked.go_live_date
    if go_live_date is None:
        raise ValidationError(
            {"go_live_date": ["Give the customer's go-live date: the plan is built back from it."]}
        )
    template = PlanTemplate.objects.filter(slug=template_slug).first()
    if template is None:
        raise ValidationError({"template": [f"No plan template '{template_slug}'."]})
    template_milestones = list(template.milestones.order_by("position", "id"))
    plan = ClosePlan(
        opportunity=locked,
        template=template,
        go_live_date=go_live_date,
        why_go_live_matters=(why_go_live_matters or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:  # a concurrent create won the race
        raise PlanAlreadyExists(f"{opportunity} already has a close plan.") from error
    milestones = Milestone.objects.bulk_create(
        Milestone(
            plan=plan,
            key=t.key,
            name=t.name,
            side=t.side,
            duration_days=t.duration_days,
            depends_on=list(t.depends_on or ()),
            position=index,
        )
        for index, t in enumerate(template_milestones)
    )
    _check_and_store_latest_dates(plan, milestones)
    if locked.go_live_date != go_live_date:
        opportunity_update(actor=actor, opportunity=locked, data={"go_live_date": go_live_date})
    announce_deal_changed([locked.pk])
    return plan


@transaction.atomic
def plan_update_go_live(
    *,
    actor,
    plan: ClosePlan,
    go_live_date: dt.date,
    why_go_live_matters: str | None = None,
    expected_version: int | None = None,
    by_stakeholder: Stakeholder | None = None,
) -> ClosePlan:
    """Move the go-live date (and optionally restate why it matters); every latest date follows.
    `by_stakeholder`: the customer asked for it (an accepted proposal)."""
    plan = _lock_plan(plan, expected_version)
    if go_live_date is None:
        raise ValidationError({"go_live_date": ["The plan needs a go-live date."]})
    changes = []
    if go_live_date != plan.go_live_date:
        changes.append(("", "go_live_date", _display("", plan.go_live_date), _display("", go_live_date)))
        plan.go_live_date = go_live_date
    if why_go_live_matters is not None and why_go_live_matters.strip() != plan.why_go_live_matters:
        changes.append(("", "why_go_live_matters", plan.why_go_live_matters, why_go_live_matters.strip()))
        plan.why_go_live_matters = why_go_live_matters.strip()
    if not changes:
        return plan
    _check_and_store_latest_dates(plan, _milestones(plan))
    _record_changes(plan, changes, actor=actor, now=timezone.now(), by_stakeholder=by_stakeholder)
    if plan.opportunity.go_live_date != plan.go_live_date:
        opportunity_update(
            actor=actor, opportunity=plan.opportunity, data={"go_live_date": plan.go_live_date}
        )
    return plan


def plans_refresh_latest_dates(*, plan_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored latest dates (after the holidays changed). Returns plans refreshed."""
    plans = ClosePlan.objects.all() if plan_ids is None else ClosePlan.objects.filter(pk__in=list(plan_ids))
    refreshed = []
    for plan_id in plans.values_list("pk", flat=True):
        with transaction.atomic():
            plan = ClosePlan.objects.select_for_update().get(pk=plan_id)
            try:
                _check_and_store_latest_dates(plan, _milestones(plan))
            except ValidationError:
                continue  # cannot happen for a stored plan; never block the others
            refreshed.append(plan.opportunity_id)
            announce_deal_changed([plan.opportunity_id])
    return len(refreshed)


# --- milestones ---------------------------------------------------------------


@transaction.atomic
def milestone_add(
    *,
    actor,
    plan: ClosePlan,
    name: str,
    duration_days: int,
    key: str | None = None,
    side: str = "customer",
    depends_on: Sequence[str] = (),
    required_by: Sequence[str] = (),
    owner=None,
    expected_version: int | None = None,
) -> Milestone:
    """Add a milestone after `depends_on` and, optionally, before `required_by`
    (those milestones then wait for it)."""
    plan = _lock_plan(plan, expected_version)
    milestones = _milestones(plan)
    today = timezone.localdate()
    taken = {m.key for m in milestones}
    name = check_milestone_value("name", name, today=today)
    if key:
        if not KEY_PATTERN.match(key):
            raise ValidationError(
                {
                    "key": [
                        "Use lower-case letters, digits, _ or - (up to 40), starting with a letter or digit."
                    ]
                }
            )
        if key in taken:
            raise ValidationError({"key": [f"This plan already has a milestone '{key}'."]})
    else:
        key = unique_key(name, taken)
    stakeholder, user = check_owner(plan.opportunity, owner)
    milestone = Milestone(
        plan=plan,
        key=key,
        name=name,
        side=check_milestone_value("side", side, today=today, key=key),
        duration_days=check_milestone_value("duration_days", duration_days, today=today, key=key),
        depends_on=check_milestone_value("depends_on", list(depends_on), today=today, key=key),
        owner_stakeholder=stakeholder,
        owner_user=user,
    )
    required_by = check_milestone_value("depends_on", list(required_by), today=today)
    unknown = [k for k in required_by if k not in taken]
    if unknown:
        raise ValidationError({"required_by": [f"No milestone {', '.join(unknown)} in this plan."]})
    changes = [(key, "milestone", "", name)]
    dependents = [m for m in milestones if m.key in required_by]
    for dependent in dependents:
        if key not in dependent.depends_on:
            old = list(dependent.depends_on)
            dependent.depends_on = [*old, key]
            changes.append(
                (
                    dependent.key,
                    "depends_on",
                    _display("depends_on", old),
                    _display("depends_on", dependent.depends_on),
                )
            )
    # Show it just before the first milestone that waits for it, else at the end.
    positions = [m.position for m in dependents]
    milestone.position = (
        min(positions) if positions else max((m.position for m in milestones), default=-1) + 1
    )
    check_plan_milestones([*milestones, milestone])  # refuses a cycle before anything is written
    shifted = [m for m in milestones if m.position >= milestone.position]
    for m in shifted:
        m.position += 1
    milestone.save()
    Milestone.objects.bulk_update(
        {m.pk: m for m in shifted + dependents}.values(), ["position", "depends_on"]
    )
    _check_and_store_latest_dates(plan, [*milestones, milestone])
    _record_changes(plan, changes, actor=actor, now=timezone.now())
    return milestone


@transaction.atomic
def milestone_update(
    *,
    actor,
    plan: ClosePlan,
    key: str,
    data: dict[str, Any],
    expected_version: int | None = None,
    by_stakeholder: Stakeholder | None = None,
) -> Milestone:
    """Change any of name, side, duration_days, depends_on, owner, done_on.

    `owner` is a Stakeholder at the deal's account, a User on the deal owner's
    team, or None. Raises Milestone.DoesNotExist for an unknown key.
    `by_stakeholder`: the customer made (or asked for) the change.
    """
    unknown = set(data) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValidationError({field: ["Unknown or read-only field."] for field in sorted(unknown)})
    plan = _lock_plan(plan, expected_version)
    milestones = _milestones(plan)
    milestone = _find(milestones, key)
    today = timezone.localdate()
    changes = []
    for field, value in data.items():
        if field == "owner":
            stakeholder, user = check_owner(plan.opportunity, value)
            old_owner = milestone.owner
            if (stakeholder, user) != (milestone.owner_stakeholder, milestone.owner_user):
                milestone.owner_stakeholder, milestone.owner_user = stakeholder, user
                changes.append(
                    (key, "owner", _display("owner", old_owner), _display("owner", milestone.owner))
                )
            continue
        value = check_milestone_value(field, value, today=today, key=key)
        old = getattr(milestone, field)
        if value != old:
            setattr(milestone, field, value)
            changes.append((key, field, _display(field, old), _display(field, value)))
            if field == "done_on":
                milestone.done_by_stakeholder = by_stakeholder if value else None
    if not changes:
        return milestone
    _check_and_store_latest_dates(plan, milestones)
    milestone.save()
    _record_changes(plan, changes, actor=actor, now=timezone.now(), by_stakeholder=by_stakeholder)
    return milestone


def milestone_mark_done(
    *, actor, plan: ClosePlan, key: str, done_on: dt.date | None, expected_version: int | None = None
) -> Milestone:
    """Mark a milestone done on a date (None re-opens it)."""
    return milestone_update(
        actor=actor, plan=plan, key=key, data={"done_on": done_on}, expected_version=expected_version
    )


@transaction.atomic
def milestone_remove(*, actor, plan: ClosePlan, key: str, expected_version: int | None = None) -> None:
    """Remove a milestone. Whatever waited for it now waits for what it waited for,
    so the chain stays connected."""
    plan = _lock_plan(plan, expected_version)
    milestones = _milestones(plan)
    milestone = _find(milestones, key)
    remaining = [m for m in milestones if m.key != key]
    changes = [(key, "milestone", milestone.name, "")]
    dependents = []
    for other in remaining:
        if key in other.depends_on:
            old = list(other.depends_on)
            bridged = [k for k in old if k != key]
            bridged += [k for k in milestone.depends_on if k not in bridged]
            other.depends_on = bridged
            dependents.append(other)
            changes.append(
                (other.key, "depends_on", _display("depends_on", old), _display("depends_on", bridged))
            )
    milestone.delete()
    Milestone.objects.bulk_update(dependents, ["depends_on"])
    _check_and_store_latest_dates(plan, remaining)
    _record_changes(plan, changes, actor=actor, now=timezone.now())


# --- sharing and the buyer's validation ------------------------------------------


@transaction.atomic
def share_link_create(*, actor, plan: ClosePlan, valid_days: int = SHARE_LINK_DAYS) -> tuple[ShareLink, str]:
    """A link the buyer can open without an account; returns it with its token."""
    if (
        isinstance(valid_days, bool)
        or not isinstance(valid_days, int)
        or not 1 <= valid_days <= MAX_SHARE_LINK_DAYS
    ):
        raise ValidationError({"valid_days": [f"A link is valid for 1 to {MAX_SHARE_LINK_DAYS} days."]})
    link = ShareLink.objects.create(
        plan=plan,
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=timezone.now() + timedelta(days=valid_days),
    )
    announce_deal_changed([plan.opportunity_id])
    return link, share_link_token(link)


@transaction.atomic
def share_link_revoke(*, actor, link: ShareLink) -> ShareLink:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        announce_deal_changed([link.plan.opportunity_id])
    return link


def share_link_check_usable(link: ShareLink) -> None:
    if link.plan.opportunity.deleted_at is not None:
        raise ShareLinkUnusable("This plan is no longer available. Ask the sender for the current one.")
    if link.revoked_at is not None:
        raise ShareLinkUnusable("This link was withdrawn by the sender. Ask them for a new one.")
    if link.expires_at <= timezone.now():
        raise ShareLinkUnusable("This link has expired. Ask the sender for a new one.")


def share_link_mark_opened(*, link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk).update(last_opened_at=timezone.now())


@transaction.atomic
def plan_validate_by_buyer(
    *, link: ShareLink, name: str, seen_version: int, stakeholder: Stakeholder | None = None, role: str = ""
) -> ClosePlan:
    """The buyer confirms the plan they saw (its version). `stakeholder` is who proved
    their address on the link (with `role`, their strongest role on the deal); without
    one only the name typed is recorded, which never counts as someone who can sign."""
    share_link_check_usable(link)
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": ["Type your name to confirm the plan."]})
    if len(name) > 200:
        raise ValidationError({"name": ["Keep your name under 200 characters."]})
    plan = _lock_plan(link.plan, None)
    if plan.version != seen_version:
        raise PlanChangedWhileReviewing("The plan changed while you were reading it. Please review it again.")
    plan.validated_version = plan.version
    plan.validated_at = timezone.now()
    plan.validated_by_name = name
    plan.validated_by_stakeholder = stakeholder
    plan.validated_by_title = stakeholder.title if stakeholder else ""
    plan.validated_by_seniority = stakeholder.seniority if stakeholder else ""
    plan.validated_by_role = role if stakeholder else ""
    plan.save(update_fields=[
        "validated_version", "validated_at", "validated_by_name", "validated_by_stakeholder",
        "validated_by_title", "validated_by_seniority", "validated_by_role", "updated_at",
    ])
    opportunity = plan.opportunity
    webhooks_emit(event="close_plan.validated", owner_id=opportunity.owner_id, payload={
        "opportunity": opportunity.pk, "opportunity_external_id": opportunity.external_id,
        "go_live_date": plan.go_live_date.isoformat(), "version": plan.version,
        "validated_at": plan.validated_at.isoformat(), "validated_by": name,
        "validated_by_stakeholder": stakeholder.pk if stakeholder else None,
        "validated_by_title": plan.validated_by_title, "validated_by_role": plan.validated_by_role or None,
        "validated_by_someone_who_can_sign": plan.validated_by_someone_who_can_sign,
    })
    announce_deal_changed([plan.opportunity_id])
    return plan
