"""Reads of the audit history, scoped by the visibility rules in dealcoach.permissions:
an event about a deal (or its roles and close plan) is visible to whoever may
see that deal, deleted or not; an event about an account or stakeholder to
whoever may see that account."""

from django.apps import apps
from django.db.models import Q, QuerySet

from dealcoach.permissions import MATCH_NOTHING, account_visibility_q, visible_owner_ids_q

from .models import AuditEvent


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    if user is None or not user.is_authenticated or not user.is_active:
        return AuditEvent.objects.filter(MATCH_NOTHING)
    if user.is_superuser or user.role == "admin":
        return AuditEvent.objects.all()
    Opportunity = apps.get_model("deals", "Opportunity")
    Account = apps.get_model("accounts", "Account")
    deals = Opportunity.objects.filter(visible_owner_ids_q(user)).values("id")
    accounts = Account.objects.filter(account_visibility_q(user)).values("id")
    return AuditEvent.objects.filter(
        Q(opportunity_id__in=deals) | Q(opportunity_id__isnull=True, account_id__in=accounts)
    )


def audit_events_for_opportunity(opportunity_id: int, *, limit: int = 50) -> list[AuditEvent]:
    """The deal page's history: newest first. The caller has already fetched the
    deal with permission (`opportunity_get_for_user`)."""
    return list(
        AuditEvent.objects.filter(opportunity_id=opportunity_id).select_related("actor").order_by("-at", "-id")[:limit]
    )
