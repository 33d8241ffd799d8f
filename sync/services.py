"""The sync plumbing's writes, in one place to import from.

- `changes_record(resource=..., ids=..., created_ids=...)`: call after writes that
  bypass `Model.save()` (bulk_create, QuerySet.update) so the changes feed and the
  opportunity webhooks see them.
- `webhooks_emit(event=..., payload=..., owner_id=...)`: queue a webhook event
  (`flag.raised`, `flag.cleared`, `close_plan.validated`, ...) inside the writing
  transaction.
"""

from datetime import timedelta

from django.utils import timezone

from .changes import changes_prune, changes_record
from .csv_import import ImportReport, check_header, csv_import, read_rows
from .models import CsvUpload
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
    "csv_upload_create",
    "csv_upload_import",
    "csv_uploads_prune",
    "webhook_deliveries_prune",
    "webhook_deliveries_send_due",
    "webhook_subscription_create",
    "webhook_subscription_delete",
    "webhook_subscription_update",
    "webhooks_emit",
]


def csv_upload_create(*, owner, resource: str, filename: str, content: bytes) -> CsvUpload:
    """Keep an uploaded file (already readable as CSV, else CsvFileError) for its import."""
    header, _ = read_rows(content)  # refuses unreadable files before they are stored
    check_header(resource, header)
    text = content.decode("utf-8-sig")
    return CsvUpload.objects.create(
        owner=owner, resource=resource, filename=filename[:255], content=text, created_at=timezone.now()
    )


def csv_upload_import(*, upload: CsvUpload, actor) -> ImportReport | None:
    """Import a checked upload once. None when it was already imported (a
    double submit): the conditional UPDATE lets exactly one request through."""
    from django.db import transaction

    with transaction.atomic():
        claimed = CsvUpload.objects.filter(pk=upload.pk, imported_at__isnull=True).update(imported_at=timezone.now())
        if not claimed:
            return None
        return csv_import(actor=actor, resource=upload.resource, content=upload.content, dry_run=False)


def csv_uploads_prune(*, older_than_days: int = 2) -> int:
    deleted, _ = CsvUpload.objects.filter(created_at__lt=timezone.now() - timedelta(days=older_than_days)).delete()
    return deleted
