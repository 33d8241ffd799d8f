"""The sync plumbing's writes, in one place to import from.

- `changes_record(resource=..., ids=..., created_ids=...)`: call after writes that
  bypass `Model.save()` (bulk_create, QuerySet.update) so the changes feed and the
  opportunity webhooks see them.
- `webhooks_emit(event=..., payload=..., owner_id=...)`: queue a webhook event
  (`flag.raised`, `flag.cleared`, `close_plan.validated`, ...) inside the writing
  transaction.
"""

from .changes import changes_prune, changes_record
from .webhooks import (
    WEBHOOK_EVENTS,
    webhook_deliveries_prune,
    webhook_deliveries_send_due,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
    webhooks_emit,
)

__all__ = [
    "WEBHOOK_EVENTS",
    "changes_prune",
    "changes_record",
    "webhook_deliveries_prune",
    "webhook_deliveries_send_due",
    "webhook_subscription_create",
    "webhook_subscription_delete",
    "webhook_subscription_update",
    "webhooks_emit",
]
