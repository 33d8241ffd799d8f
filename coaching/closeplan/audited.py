"""What the audit trail records about close plans and their milestones.
Registered from CloseplanConfig.ready()."""

from dealcoach.audit.registry import audit_track
from deals.audited import opportunity_scope

from .models import ClosePlan, Milestone


def milestone_scope(row) -> tuple[int | None, int | None]:
    plan = ClosePlan.objects.filter(pk=row["plan_id"]).values("opportunity_id", "opportunity__account_id").first()
    return (plan["opportunity_id"], plan["opportunity__account_id"]) if plan else (None, None)


def register() -> None:
    audit_track(ClosePlan, resource="close_plan", scope=opportunity_scope)
    audit_track(Milestone, resource="close_plan_milestone", scope=milestone_scope)
