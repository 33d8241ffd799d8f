"""What the audit trail records about coaching sessions and commitments.
Registered from CoachingSessionsConfig.ready()."""

from dealcoach.audit.registry import audit_track
from deals.audited import opportunity_scope

from .models import CoachingSession, Commitment


def register() -> None:
    audit_track(CoachingSession, resource="coaching_session", scope=opportunity_scope)
    audit_track(Commitment, resource="commitment", scope=opportunity_scope)
