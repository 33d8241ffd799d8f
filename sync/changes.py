"""Recording changes to synced records: the changes log and the opportunity
webhooks.

Every write to an account, stakeholder, opportunity or activity appends a
`ChangeLogEntry` in the writer's own transaction. Single saves (services,
admin, anything calling `Model.save()`/`delete()`) are caught by
`post_save`/`post_delete` receivers, connected in `SyncConfig.ready()`.
Writes that bypass `save()` — `bulk_create`, `QuerySet.update()` in bulk
upserts — must call `changes_record(resource=..., ids=...)` themselves, once,
after the write and inside the same transaction.

Opportunity changes also emit the webhooks `opportunity.created`,
`opportunity.updated` and `opportunity.deleted` from the same place, so the
feed and the webhooks never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, Case, CharField, DateTimeField, F, Func, Value, When
from django.utils import timezone

from accounts.models import Account, Stakeholder
from dealcoach.lookups import AnyOf
from deals.models import Activity, Opportunity

from .models import ChangeLogEntry, WebhookSubscription
from .webhooks import WebhookEvent, webhooks_emit_many

Resource = ChangeLogEntry.Resource

# The model and the path to the owner whose visibility rule applies.
RESOURCE_MODELS = {
    Resource.ACCOUNT: (Account, "owner_id"),
    Resource.STAKEHOLDER: (Stakeholder, "account__owner_id"),
    Resource.OPPORTUNITY: (Opportunity, "owner_id"),
    Resource.ACTIVITY: (Activity, "opportunity__owner_id"),
}
RESOURCE_BY_MODEL = {model: resource for resource, (model, _) in RESOURCE_MODELS.items()}


def current_txid():
    """An expression for the writing transaction's id (0 where the database
    has none: SQLite serialises writers, so its ids are already in commit order)."""
    if connection.vendor == "postgresql":
        return Func(function="txid_current", output_field=BigIntegerField())
    return Value(0)


def changes_record(*, resource: str, ids: Iterable[int], created_ids: Iterable[int] = ()) -> int:
    """Append one entry per row in `ids` of `resource` ("account",
    "stakeholder", "opportunity", "activity"): a tombstone for soft-deleted
    rows, an upsert otherwise. `created_ids` (a subset of `ids`) tells the
    webhooks which opportunities are new. Call inside the writing
    transaction, only for writes that bypass `Model.save()`. Returns the
    number of entries written."""
    if resource not in RESOURCE_MODELS:
        raise ValueError(f"Unknown resource {resource!r}; one of {sorted(RESOURCE_MODELS)}.")
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    owner_path = RESOURCE_MODELS[resource][1]
    # One INSERT ... SELECT from the written rows: no model instances, one
    # statement however large the batch (bulk upserts write 1,000 rows at a time).
    columns = {
        "txid": current_txid(),
        "resource": Value(resource, output_field=CharField()),
        "object_id": F("id"),
        "external_id": F("external_id"),
        "action": Case(
            When(deleted_at__isnull=False, then=Value(ChangeLogEntry.Action.DELETE)),
            default=Value(ChangeLogEntry.Action.UPSERT), output_field=CharField(),
        ),
        "owner_id": F(owner_path),
        "deleted_at": F("deleted_at"),
        "at": Value(timezone.now(), output_field=DateTimeField()),
    }
    aliases = {f"log_{name}": expression for name, expression in columns.items()}
    select = RESOURCE_MODELS[resource][0].objects.filter(AnyOf(F("pk"), ids)).order_by("id").annotate(**aliases).values_list(*aliases)
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(ChangeLogEntry._meta.db_table)
    target = ", ".join(connection.ops.quote_name(ChangeLogEntry._meta.get_field(n).column) for n in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({target}) {sql} RETURNING object_id", params)  # noqa: S608
        written = [row[0] for row in cursor.fetchall()]
    if resource == Resource.OPPORTUNITY:
        _emit_opportunity_webhooks(ids=written, created_ids=set(created_ids))
    return len(written)


def changes_record_hard_delete(*, resource: str, object_id: int, external_id: str | None, owner_id) -> None:
    """A row removed from the table (admin delete, cascades): a tombstone from
    what the deleted instance still knows."""
    now = timezone.now()
    ChangeLogEntry.objects.create(
        txid=current_txid(), resource=resource, object_id=object_id, external_id=external_id,
        action=ChangeLogEntry.Action.DELETE, owner_id=owner_id, deleted_at=now, at=now,
    )
    if resource == Resource.OPPORTUNITY:
        webhooks_emit_many(events=[WebhookEvent(
            event="opportunity.deleted",
            payload={"id": object_id, "external_id": external_id, "deleted_at": now},
            owner_id=owner_id,
        )])


OPPORTUNITY_PAYLOAD_FIELDS = (
    "id", "external_id", "name", "account_id", "account__external_id", "owner_id", "amount", "currency",
    "stage__slug", "status", "lost_reason", "expected_close_date", "go_live_date", "forecast_category",
    "created_at", "updated_at", "deleted_at",
)


def opportunity_webhook_payload(row: dict) -> dict:
    """The event's `data`: the deal's sync fields, named as in the REST API."""
    return {
        "id": row["id"],
        "external_id": row["external_id"],
        "name": row["name"],
        "account": row["account_id"],
        "account_external_id": row["account__external_id"],
        "owner": row["owner_id"],
        "amount": f"{row['amount']:.2f}",
        "currency": row["currency"],
        "stage": row["stage__slug"],
        "status": row["status"],
        "lost_reason": row["lost_reason"],
        "expected_close_date": row["expected_close_date"],
        "go_live_date": row["go_live_date"],
        "forecast_category": row["forecast_category"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "deleted_at": row["deleted_at"],
    }


def _emit_opportunity_webhooks(*, ids: list[int], created_ids: set[int]) -> None:
    if not ids or not WebhookSubscription.objects.filter(active=True).exists():
        return
    events = []
    for row in Opportunity.objects.filter(pk__in=ids).order_by("id").values(*OPPORTUNITY_PAYLOAD_FIELDS):
        if row["deleted_at"]:
            event = "opportunity.deleted"
        elif row["id"] in created_ids:
            event = "opportunity.created"
        else:
            event = "opportunity.updated"
        events.append(WebhookEvent(event=event, payload=opportunity_webhook_payload(row), owner_id=row["owner_id"]))
    webhooks_emit_many(events=events)


def changes_prune(*, older_than_days: int | None = None) -> int:
    """Forget entries older than the retention (at least 30 days)."""
    days = max(30, older_than_days or getattr(settings, "DEALCOACH_CHANGES_RETENTION_DAYS", 35))
    deleted, _ = ChangeLogEntry.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


# --- Signal receivers (connected in SyncConfig.ready) ------------------------------------

def on_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # loaddata: fixtures are not changes
        return
    changes_record(
        resource=RESOURCE_BY_MODEL[sender], ids=[instance.pk],
        created_ids=[instance.pk] if created else (),
    )


def _owner_id_of_deleted(resource: str, instance):
    try:
        if resource == Resource.STAKEHOLDER:
            return instance.account.owner_id
        if resource == Resource.ACTIVITY:
            return instance.opportunity.owner_id
    except Exception:  # noqa: BLE001 - the parent went first in a cascade
        return None
    return instance.owner_id


def on_deleted(sender, instance, **kwargs):
    resource = RESOURCE_BY_MODEL[sender]
    changes_record_hard_delete(
        resource=resource, object_id=instance.pk, external_id=instance.external_id,
        owner_id=_owner_id_of_deleted(resource, instance),
    )


def on_deal_role_changed(sender, instance, raw=False, **kwargs):
    """A deal's roles are part of the opportunity's representation."""
    if raw:
        return
    changes_record(resource=Resource.OPPORTUNITY, ids=[instance.opportunity_id])


def on_activity_people_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # Reverse (stakeholder.activities.add(...)): the activities are in pk_set.
    ids = sorted(pk_set or []) if reverse else [instance.pk]
    changes_record(resource=Resource.ACTIVITY, ids=ids)
