"""Reads of the audit history, scoped by the visibility rules in dealcoach.permissions
(applied by the apps that own deals and accounts, see registry.py):
an event about a deal (or its roles and close plan) is visible to whoever may
see that deal, deleted or not; an event about an account or stakeholder to
whoever may see that account."""

from django.db.models import Q, QuerySet

from dealcoach.permissions import MATCH_NOTHING

from .models import AuditEvent
from .registry import VISIBLE_IDS


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    if user is None or not user.is_authenticated or not user.is_active:
        return AuditEvent.objects.filter(MATCH_NOTHING)
    if user.is_superuser or user.role == "admin":
        return AuditEvent.objects.all()
    # The deals and accounts come from the apps that own them (registry.audit_visibility_register).
    visible = MATCH_NOTHING
    if "opportunity" in VISIBLE_IDS:
        visible |= Q(opportunity_id__in=VISIBLE_IDS["opportunity"](user))
    if "account" in VISIBLE_IDS:
        visible |= Q(opportunity_id__isnull=True, account_id__in=VISIBLE_IDS["account"](user))
    return AuditEvent.objects.filter(visible)


def audit_events_for_opportunity(opportunity_id: int, *, limit: int = 50) -> list[AuditEvent]:
    """The deal page's history: newest first. The caller has already fetched the
    deal with permission (`opportunity_get_for_user`)."""
    return list(
        AuditEvent.objects.filter(opportunity_id=opportunity_id).select_related("actor").order_by("-at", "-id")[:limit]
    )
