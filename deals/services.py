"""Writes to deals. Every change that feeds coaching ends with
`announce_deal_changed`, and changes to the tracked fields are recorded with
who and when (`OpportunityFieldChange`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Account, Stakeholder
from dealcoach.currencies import CURRENCY_CODES
from dealcoach.permissions import can_own_deals_of

from .models import Activity, DealRole, ForecastCategory, Opportunity, OpportunityFieldChange, Stage
from .signals import announce_deal_changed

# Fields a caller may set through opportunity_create / opportunity_update.
EDITABLE_FIELDS = (
    "name", "account", "owner", "amount", "currency", "stage", "status", "lost_reason",
    "expected_close_date", "go_live_date", "budget_status", "budget_amount", "compelling_event",
    "consequence_if_missed", "success_criteria", "business_value", "competitors", "strategy",
    "strategy_notes", "notes", "forecast_category", "external_id",
)


def normalise_competitors(competitors: Iterable[str] | None) -> list[str]:
    """Competitors, de-duplicated, with "do nothing" always first: the status
    quo is the first competitor of every deal."""
    result = [Opportunity.DO_NOTHING]
    seen = {Opportunity.DO_NOTHING}
    for name in competitors or []:
        cleaned = " ".join(str(name).split())
        key = cleaned.lower()
        if key in {"do nothing", "do-nothing", "do_nothing", "status quo"}:
            continue
        if cleaned and key not in seen:
            seen.add(key)
            result.append(cleaned)
    return result


def check_opportunity(opportunity: Opportunity) -> None:
    """Field-level checks with reasons a rep can act on; then the model's own."""
    errors: dict[str, list[str]] = {}
    try:
        amount = Decimal(opportunity.amount)
        if amount < 0:
            errors.setdefault("amount", []).append("Amount cannot be negative.")
    except (InvalidOperation, TypeError):
        errors.setdefault("amount", []).append("Amount must be a number.")
    if opportunity.currency not in CURRENCY_CODES:
        errors.setdefault("currency", []).append(
            f"'{opportunity.currency}' is not an ISO 4217 currency code (e.g. USD, EUR, GBP)."
        )
    if opportunity.status == Opportunity.Status.LOST and not opportunity.lost_reason.strip():
        errors.setdefault("lost_reason", []).append("Say why the deal was lost.")
    if opportunity.status != Opportunity.Status.LOST and opportunity.lost_reason:
        errors.setdefault("lost_reason", []).append("Only a lost deal has a lost reason.")
    if opportunity.budget_amount is not None and opportunity.budget_amount < 0:
        errors.setdefault("budget_amount", []).append("Budget cannot be negative.")
    if errors:
        raise ValidationError(errors)
    opportunity.full_clean(exclude=["external_id"] if not opportunity.external_id else None)


def _apply_status_rules(opportunity: Opportunity, explicit_fields: set[str]) -> None:
    if opportunity.status == Opportunity.Status.WON:
        opportunity.forecast_category = ForecastCategory.CLOSED
    elif opportunity.status == Opportunity.Status.LOST:
        opportunity.forecast_category = ForecastCategory.OMITTED
    elif "stage" in explicit_fields and "forecast_category" not in explicit_fields:
        opportunity.forecast_category = opportunity.stage.forecast_category


def _tracked_value(opportunity: Opportunity, field: str) -> str:
    if field == "stage":
        return opportunity.stage.slug if opportunity.stage_id else ""
    return _tracked_text(getattr(opportunity, field))


def _tracked_text(value) -> str:
    """How field history stores a tracked value (other than the stage, stored by slug)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


@transaction.atomic
def opportunity_create(*, actor, account: Account, name: str, stage: Stage, owner=None, **fields: Any) -> Opportunity:
    owner = owner or actor
    if not can_own_deals_of(actor, owner):
        raise ValidationError({"owner": ["You can only assign deals to yourself or your team."]})
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in sorted(unknown)})
    opportunity = Opportunity(account=account, name=name, stage=stage, owner=owner, **fields)
    opportunity.competitors = normalise_competitors(opportunity.competitors)
    _apply_status_rules(opportunity, {"stage"} | set(fields))
    now = timezone.now()
    opportunity.stage_entered_at = now
    check_opportunity(opportunity)
    opportunity.save()
    OpportunityFieldChange.objects.bulk_create(
        OpportunityFieldChange(
            opportunity=opportunity, field=field, old_value="",
            new_value=_tracked_value(opportunity, field), changed_by=actor, changed_at=now,
        )
        for field in ("stage", "expected_close_date", "amount", "forecast_category")
        if _tracked_value(opportunity, field)
    )
    announce_deal_changed([opportunity.id])
    return opportunity


@transaction.atomic
def opportunity_update(*, actor, opportunity: Opportunity, data: dict[str, Any]) -> Opportunity:
    """Apply `data` (field name → new value) to a deal the caller already fetched
    with permission. Records tracked-field changes; validates before saving so a
    bad value changes nothing."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["Unknown or read-only field."] for f in sorted(unknown)})
    if "owner" in data and data["owner"] != opportunity.owner and not can_own_deals_of(actor, data["owner"]):
        raise ValidationError({"owner": ["You can only assign deals to yourself or your team."]})
    before = {field: _tracked_value(opportunity, field) for field in OpportunityFieldChange.TRACKED_FIELDS}
    old_stage_id, old_owner_id = opportunity.stage_id, opportunity.owner_id
    for field, value in data.items():
        setattr(opportunity, field, value)
    if "competitors" in data:
        opportunity.competitors = normalise_competitors(opportunity.competitors)
    if opportunity.status != Opportunity.Status.LOST and "lost_reason" not in data:
        opportunity.lost_reason = ""
    explicit = set(data)
    if opportunity.stage_id == old_stage_id:
        explicit.discard("stage")
    _apply_status_rules(opportunity, explicit)
    now = timezone.now()
    if opportunity.stage_id != old_stage_id:
        opportunity.stage_entered_at = now
    check_opportunity(opportunity)
    opportunity.save()
    changes = []
    for field in OpportunityFieldChange.TRACKED_FIELDS:
        after = _tracked_value(opportunity, field)
        if after != before[field]:
            changes.append(OpportunityFieldChange(
                opportunity=opportunity, field=field, old_value=before[field], new_value=after,
                changed_by=actor, changed_at=now,
            ))
    OpportunityFieldChange.objects.bulk_create(changes)
    announce_deal_changed(
        [opportunity.id], previous_owner_ids=[old_owner_id] if opportunity.owner_id != old_owner_id else []
    )
    return opportunity


@transaction.atomic
def opportunity_soft_delete(*, actor, opportunity: Opportunity) -> None:
    opportunity.mark_deleted()
    opportunity.save(update_fields=["deleted_at", "updated_at"])
    announce_deal_changed([opportunity.id])


@transaction.atomic
def opportunity_restore(*, actor, opportunity: Opportunity) -> None:
    opportunity.deleted_at = None
    opportunity.save(update_fields=["deleted_at", "updated_at"])
    announce_deal_changed([opportunity.id])


def _check_stakeholder_on_account(opportunity: Opportunity, stakeholder: Stakeholder, field: str) -> None:
    if stakeholder.account_id != opportunity.account_id or stakeholder.deleted_at is not None:
        raise ValidationError({field: [f"{stakeholder.name} is not a stakeholder at {opportunity.account.name}."]})


@transaction.atomic
def deal_role_set(
    *, actor, opportunity: Opportunity, stakeholder: Stakeholder, role: str, stance: str = "neutral",
    influence: str = "medium", strength: int = 1, leans_to_competitor: bool = False,
) -> DealRole:
    """Create or update the stakeholder's `role` on the deal."""
    _check_stakeholder_on_account(opportunity, stakeholder, "stakeholder")
    deal_role = DealRole.objects.filter(opportunity=opportunity, stakeholder=stakeholder, role=role).first()
    deal_role = deal_role or DealRole(opportunity=opportunity, stakeholder=stakeholder, role=role)
    deal_role.stance, deal_role.influence = stance, influence
    deal_role.strength, deal_role.leans_to_competitor = strength, leans_to_competitor
    deal_role.full_clean(validate_unique=False)
    deal_role.save()
    opportunities_refresh_engagement(opportunity_ids=[opportunity.id])
    Opportunity.objects.filter(pk=opportunity.pk).update(updated_at=timezone.now())
    announce_deal_changed([opportunity.id])
    return deal_role


@transaction.atomic
def deal_role_remove(*, actor, deal_role: DealRole) -> None:
    opportunity_id = deal_role.opportunity_id
    deal_role.delete()
    opportunities_refresh_engagement(opportunity_ids=[opportunity_id])
    Opportunity.objects.filter(pk=opportunity_id).update(updated_at=timezone.now())
    announce_deal_changed([opportunity_id])


@transaction.atomic
def activity_log(
    *, actor, opportunity: Opportunity, kind: str, summary: str, occurred_at: datetime | None = None,
    stakeholders: Iterable[Stakeholder] = (), external_id: str | None = None,
) -> Activity:
    stakeholders = list(stakeholders)
    for stakeholder in stakeholders:
        _check_stakeholder_on_account(opportunity, stakeholder, "stakeholders")
    activity = Activity(
        opportunity=opportunity, kind=kind, summary=(summary or "").strip(),
        occurred_at=occurred_at or timezone.now(), logged_by=actor, external_id=external_id,
    )
    if activity.occurred_at > timezone.now() + timezone.timedelta(days=1):
        raise ValidationError({"occurred_at": ["An activity cannot be logged in the future."]})
    activity.full_clean(exclude=["external_id"] if not external_id else None)
    activity.save()
    activity.stakeholders.set(stakeholders)
    opportunities_refresh_engagement(opportunity_ids=[opportunity.id])
    announce_deal_changed([opportunity.id])
    return activity


def opportunities_refresh_engagement(*, opportunity_ids: Iterable[int] | None = None) -> int:
    """Recompute `last_activity_at` and `last_senior_engagement_at` in one
    set-based UPDATE. Senior engagement: an activity with a stakeholder who is
    director or above, or who is the deal's economic buyer / decision maker."""
    live = Activity.objects.filter(opportunity=OuterRef("pk"), deleted_at__isnull=True)
    senior_role = DealRole.objects.filter(
        opportunity=OuterRef("opportunity_id"), stakeholder=OuterRef("stakeholders"),
        role__in=DealRole.DECISION_ROLES,
    )
    senior = (
        live.annotate(decision_role=Exists(senior_role))
        .filter(Q(stakeholders__seniority__in=Stakeholder.SENIOR) | Q(decision_role=True))
    )
    qs = Opportunity.objects.all()
    if opportunity_ids is not None:
        qs = qs.filter(pk__in=list(opportunity_ids))
    return qs.update(
        last_activity_at=Subquery(live.values("opportunity").annotate(m=Max("occurred_at")).values("m")[:1]),
        last_senior_engagement_at=Subquery(
            senior.values("opportunity").annotate(m=Max("occurred_at")).values("m")[:1]
        ),
    )


@transaction.atomic
def activity_update(
    *, actor, activity: Activity, data: dict[str, Any], stakeholders: Iterable[Stakeholder] | None = None,
) -> Activity:
    """Change an activity's kind, time or summary and, when `stakeholders` is
    given, who took part (people at the deal's account only)."""
    unknown = set(data) - {"kind", "occurred_at", "summary", "external_id"}
    if unknown:
        raise ValidationError({f: ["Unknown or read-only field."] for f in sorted(unknown)})
    for field, value in data.items():
        setattr(activity, field, value)
    activity.summary = (activity.summary or "").strip()
    if activity.occurred_at > timezone.now() + timezone.timedelta(days=1):
        raise ValidationError({"occurred_at": ["An activity cannot be logged in the future."]})
    if stakeholders is not None:
        stakeholders = list(stakeholders)
        for stakeholder in stakeholders:
            _check_stakeholder_on_account(activity.opportunity, stakeholder, "stakeholders")
    activity.full_clean(exclude=["external_id"] if not activity.external_id else None)
    activity.save()
    if stakeholders is not None:
        activity.stakeholders.set(stakeholders)
    opportunities_refresh_engagement(opportunity_ids=[activity.opportunity_id])
    announce_deal_changed([activity.opportunity_id])
    return activity


@transaction.atomic
def activity_soft_delete(*, actor, activity: Activity) -> None:
    activity.mark_deleted()
    activity.save(update_fields=["deleted_at", "updated_at"])
    opportunities_refresh_engagement(opportunity_ids=[activity.opportunity_id])
    announce_deal_changed([activity.opportunity_id])
