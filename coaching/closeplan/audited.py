"""What the audit trail records about close plans and their milestones.
Registered from CloseplanConfig.ready()."""

from dealcoach.audit.registry import audit_track
from deals.audited import opportunity_scope

from .models import BuyerAction, ClosePlan, Milestone


def plan_scope(row) -> tuple[int | None, int | None]:
    plan = ClosePlan.objects.filter(pk=row["plan_id"]).values("opportunity_id", "opportunity__account_id").first()
    return (plan["opportunity_id"], plan["opportunity__account_id"]) if plan else (None, None)


def register() -> None:
    audit_track(ClosePlan, resource="close_plan", scope=opportunity_scope)
    audit_track(Milestone, resource="close_plan_milestone", scope=plan_scope)
    # Everything a buyer does on a shared plan, with the stakeholder who did it.
    audit_track(BuyerAction, resource="close_plan_buyer_action", scope=plan_scope)
