"""What the audit trail records about deals and deal roles, and whose deals a
user may read the history of (deleted deals included). Registered from
DealsConfig.ready(); `opportunity_scope` is the scope of any row that belongs
to one deal, for the coaching apps' registrations."""

from dealcoach.audit.registry import audit_track, audit_visibility_register
from dealcoach.permissions import visible_owner_ids_q

from .models import DealRole, Opportunity


def opportunity_scope(row) -> tuple[int | None, int | None]:
    """(opportunity_id, account_id) of a row holding `opportunity_id`: one query."""
    opportunity_id = row["opportunity_id"]
    account_id = Opportunity.objects.filter(pk=opportunity_id).values_list("account_id", flat=True).first()
    return opportunity_id, account_id


def register() -> None:
    audit_track(Opportunity, resource="opportunity", scope=lambda row: (row["id"], row["account_id"]),
                scope_sql=("row.id", "row.account_id"))
    audit_track(DealRole, resource="deal_role", scope=opportunity_scope)
    audit_visibility_register(
        scope="opportunity",
        visible_ids=lambda user: Opportunity.objects.filter(visible_owner_ids_q(user)).values("id"),
    )
