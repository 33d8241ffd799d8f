"""What the audit trail records about accounts and stakeholders, and whose
accounts a user may read the history of. Registered from AccountsConfig.ready()."""

from dealcoach.audit.registry import audit_track, audit_visibility_register
from dealcoach.permissions import account_visibility_q

from .models import Account, Stakeholder


def register() -> None:
    audit_track(Account, resource="account", scope=lambda row: (None, row["id"]),
                scope_sql=("NULL::bigint", "row.id"))
    audit_track(Stakeholder, resource="stakeholder", scope=lambda row: (None, row["account_id"]),
                scope_sql=("NULL::bigint", "row.account_id"))
    audit_visibility_register(
        scope="account", visible_ids=lambda user: Account.objects.filter(account_visibility_q(user)).values("id"),
    )
