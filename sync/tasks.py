"""Celery tasks of the sync plumbing: thin wrappers around services."""

from celery import shared_task

from .changes import changes_prune
from .idempotency_store import idempotency_keys_prune
from .services import csv_uploads_prune
from .webhooks import webhook_deliveries_prune, webhook_deliveries_send_due


@shared_task(name="sync.tasks.deliver_webhooks", ignore_result=True)
def deliver_webhooks() -> dict:
    """Send due webhook deliveries. Scheduled every minute; also nudged after commits."""
    return webhook_deliveries_send_due(limit=200)


@shared_task(name="sync.tasks.sync_cleanup", ignore_result=True)
def sync_cleanup() -> dict:
    """Forget expired idempotency keys, old change-log entries, delivery logs and CSV uploads."""
    return {
        "idempotency_keys": idempotency_keys_prune(),
        "changes": changes_prune(),
        "webhook_deliveries": webhook_deliveries_prune(),
        "csv_uploads": csv_uploads_prune(),
    }
