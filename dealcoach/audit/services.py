"""Recording audit events: single saves through signals (see receivers.py),
bulk writes through `audit_record_bulk`.

What is audited, and how each row is scoped (the deal or account it belongs
to decides who may read its history), is registered by the owning apps in
`registry.py` (`audit_track`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from dealcoach.bulk import copy_rows, scratch_table
from dealcoach.lookups import array_literal

from .context import current_audit_context
from .models import AuditEvent
from .registry import RESOURCE_MODELS, TRACKED, Tracked

# Bookkeeping fields that change on their own (timestamps, denormalised values
# recomputed by jobs, stored results of the close-plan backward pass).
IGNORED_FIELDS = {
    "id", "created_at", "updated_at", "stage_entered_at", "last_activity_at",
    "last_senior_engagement_at", "propensity", "latest_start", "latest_finish",
    # A closed coaching session's frozen scorecard: large, and its scores are kept in `scores_at_close`.
    "result_at_close",
}


BULK_COLUMNS = ["actor_id", "action", "resource", "object_id", "opportunity_id", "account_id", "changes", "source", "at"]


def tracked_for(model: type[models.Model]) -> Tracked | None:
    return TRACKED.get(model._meta.label_lower)


def model_for_resource(resource: str) -> type[models.Model]:
    if resource not in RESOURCE_MODELS:
        raise ValueError(f"Unknown audit resource {resource!r}; one of {sorted(RESOURCE_MODELS)}.")
    return apps.get_model(RESOURCE_MODELS[resource])


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def audited_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS]


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited values of one instance, keyed by attname (`account_id`), JSON-ready."""
    return {f.attname: _json_value(getattr(instance, f.attname)) for f in audited_fields(type(instance))}


def audit_snapshot_rows(*, resource: str, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Current audited values of the rows `ids` of `resource` ({id: {attname: value}}),
    for `audit_record_bulk`. One query."""
    model = model_for_resource(resource)
    attnames = [f.attname for f in audited_fields(model)]
    rows = model._base_manager.filter(pk__in=list(ids)).values("id", *attnames)
    return {row["id"]: {a: _json_value(row[a]) for a in attnames} for row in rows}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    before, after = before or {}, after or {}
    return {
        field: [before.get(field), after.get(field)]
        for field in sorted(set(before) | set(after))
        if field not in IGNORED_FIELDS and before.get(field) != after.get(field)
    }


def classify(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """create / update / delete / restore — a soft delete is a delete, undoing it a restore."""
    if before is None:
        return AuditEvent.Action.CREATE
    if after is None:
        return AuditEvent.Action.DELETE
    was_deleted, is_deleted = before.get("deleted_at") is not None, after.get("deleted_at") is not None
    if is_deleted and not was_deleted:
        return AuditEvent.Action.DELETE
    if was_deleted and not is_deleted:
        return AuditEvent.Action.RESTORE
    return AuditEvent.Action.UPDATE


def _event(*, tracked: Tracked, object_id, before, after, actor, source, at) -> AuditEvent | None:
    changes = diff(before, after)
    action = classify(before, after)
    if action == AuditEvent.Action.UPDATE and not changes:
        return None
    row = dict(after if after is not None else before)
    row["id"] = object_id
    opportunity_id, account_id = tracked.scope(row)
    return AuditEvent(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action, resource=tracked.resource, object_id=object_id,
        opportunity_id=opportunity_id, account_id=account_id, changes=changes, source=source, at=at,
    )


def audit_record_change(*, instance: models.Model, before: Mapping[str, Any] | None,
                        after: Mapping[str, Any] | None) -> AuditEvent | None:
    """Record one save or delete of `instance` (called by the signal receivers),
    attributed to the current audit context. Nothing is recorded for a save that
    changed no audited field."""
    tracked = tracked_for(type(instance))
    if tracked is None:
        return None
    context = current_audit_context()
    event = _event(
        tracked=tracked, object_id=instance.pk, before=before, after=after,
        actor=context.resolve_actor(), source=context.source, at=timezone.now(),
    )
    if event is not None:
        event.save()
    return event


def audit_record_bulk(
    *, actor, resource: str, rows_before: Mapping[int, Mapping[str, Any]],
    rows_after: Mapping[int, Mapping[str, Any]], source: str,
) -> list[AuditEvent]:
    """Record the effect of a bulk write that bypassed `post_save` (bulk_create,
    bulk_update, queryset.update, INSERT ... ON CONFLICT).

    `rows_before` / `rows_after` map id → audited values, as returned by
    `audit_snapshot_rows` just before and just after the write, inside the same
    transaction: an id only in `rows_after` was created, only in `rows_before`
    hard-deleted, in both updated (or soft-deleted / restored). Rows whose
    values did not change record nothing. One INSERT for all events."""
    tracked = TRACKED[RESOURCE_MODELS[resource]] if resource in RESOURCE_MODELS else None
    if tracked is None:
        raise ValueError(f"Unknown audit resource {resource!r}; one of {sorted(RESOURCE_MODELS)}.")
    if actor is None:
        actor = current_audit_context().resolve_actor()
    now = timezone.now()
    events = []
    for object_id in sorted(set(rows_before) | set(rows_after)):
        event = _event(
            tracked=tracked, object_id=object_id, before=rows_before.get(object_id),
            after=rows_after.get(object_id), actor=actor, source=source, at=now,
        )
        if event is not None:
            events.append(event)
    # COPY, not bulk_create: a 1,000-row upsert writes 1,000 events, and building the
    # INSERT costs more than writing them. The events returned have no pk.
    copy_rows(AuditEvent, BULK_COLUMNS, [tuple(getattr(e, name) for name in BULK_COLUMNS) for e in events])
    return events


# Column types whose text form is already their JSON (numbers, booleans, JSON itself).
_JSON_AS_TEXT = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField", "JSONField",
}


def _json_text_sql(field: models.Field, ref: str) -> str:
    """SQL for the JSON text of this column's value as `_json_value` gives it (`null` for
    NULL). PostgreSQL's JSON form of a date is already Python's; decimals become strings;
    a timestamp is written as Python's isoformat writes an aware UTC datetime: six digits
    of microseconds, none when they are zero (PostgreSQL's own JSON form drops trailing
    zeros)."""
    if field.is_relation:
        field = field.target_field
    kind = field.get_internal_type()
    if kind in _JSON_AS_TEXT:
        text = f"{ref}::text"
    elif kind in ("DecimalField", "UUIDField", "TimeField"):
        text = f"to_json({ref}::text)::text"
    elif kind == "DateTimeField":
        utc, offset = f"({ref} AT TIME ZONE 'UTC')", '"+00:00"' if settings.USE_TZ else ""
        text = (f"to_json(CASE WHEN date_trunc('second', {ref}) = {ref} "
                f"THEN to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS{offset}') "
                f"ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US{offset}') END)::text")
    else:
        text = f"to_json({ref})::text"
    return f"COALESCE({text}, 'null')"


def _changes_sql(fields: list[models.Field], columns: list[str]) -> str:
    """SQL for `diff` between the rows `old` and `row`: {field: [old, new]} for each
    field that differs (every non-null one when `old` is missing, i.e. a create).

    Written as JSON text and read as jsonb once: building it with jsonb_build_object /
    jsonb_build_array looked up every value's type and built a jsonb value per field,
    ~40% more of PostgreSQL's time on a 1,000-row upsert (bench/NOTES.md)."""
    entries = [
        f"CASE WHEN old.{column} IS DISTINCT FROM row.{column} THEN "
        f"'\"{field.attname}\": [' || {_json_text_sql(field, 'old.' + column)} || ', ' || "
        f"{_json_text_sql(field, 'row.' + column)} || ']' END"
        for field, column in zip(fields, columns, strict=True)
    ]
    if not entries:
        return "'{}'::jsonb"
    # concat_ws skips the NULLs (unchanged fields) and takes at most 100 arguments.
    groups = [f"concat_ws(', ', {', '.join(entries[start:start + 90])})" for start in range(0, len(entries), 90)]
    members = groups[0]
    if len(groups) > 1:  # a group of unchanged fields is '', not NULL
        members = "concat_ws(', ', " + ", ".join(f"NULLIF({group}, '')" for group in groups) + ")"
    return f"('{{' || {members} || '}}')::jsonb"


class WrittenRowsAudit:
    """The audit trail of a set-based write (`sync.upsert.engine.run_upsert`): one
    event per created or changed row, with the same actions and `{field: [old,
    new]}` changes as `audit_record_bulk`. Call `remember` with the rows about to
    change before the write and `record` with the written ids after it, in the
    same transaction.

    On PostgreSQL, for resources whose scope has an SQL form, the database does
    the work: `remember` copies the rows' audited columns into a temporary table
    and `record` appends every event with one INSERT ... SELECT comparing them
    with the written rows. Building the same events in Python (a snapshot of
    every row before and after, a diff per row) was a quarter of a 1,000-row API
    upsert (bench/NOTES.md). Elsewhere the snapshots are taken in Python."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.tracked = tracked_for(model)
        self.in_database = (
            self.tracked is not None and self.tracked.scope_sql is not None and connection.vendor == "postgresql"
        )
        self.before: dict[int, dict[str, Any]] = {}
        # The temporary table holding the remembered rows, once `remember` made it.
        self._staging: str | None = None

    def _columns(self) -> list[str]:
        return [connection.ops.quote_name(f.column) for f in audited_fields(self.model)]

    def remember(self, rows: Iterable[models.Model]) -> None:
        """Keep the audited values of `rows` (locked, not yet changed) as they are now."""
        if self.tracked is None:
            return
        if not self.in_database:
            self.before.update((row.pk, snapshot(row)) for row in rows)
            return
        ids = [row.pk for row in rows]
        table = connection.ops.quote_name(self.model._meta.db_table)
        select = f"SELECT id, {', '.join(self._columns())} FROM {table}"  # noqa: S608
        with connection.cursor() as cursor:
            if self._staging is None:
                self._staging = scratch_table(cursor, name=f"audit_before_{self.model._meta.db_table}", shape=select)
            cursor.execute(f"INSERT INTO {self._staging} {select} WHERE id = ANY(%s::bigint[])",  # noqa: S608
                           [array_literal(ids, text=False)])

    def record(self, *, ids: Iterable[int], source: str) -> None:
        """Append the events of the written rows `ids`: created (not remembered) or changed."""
        if self.tracked is None:
            return
        ids = list(ids)
        actor = current_audit_context().resolve_actor()
        if not self.in_database:
            audit_record_bulk(
                actor=actor, resource=self.tracked.resource, source=source,
                rows_before={pk: self.before[pk] for pk in ids if pk in self.before},
                rows_after=audit_snapshot_rows(resource=self.tracked.resource, ids=ids),
            )
            return
        if not ids:
            return
        if self._staging is None:
            self.remember([])
        fields = audited_fields(self.model)
        changes = _changes_sql(fields, self._columns())
        scope_opportunity, scope_account = self.tracked.scope_sql
        soft_deleted = any(f.attname == "deleted_at" for f in fields)
        action = (
            "CASE WHEN old.id IS NULL THEN 'create' "
            + ("WHEN row.deleted_at IS NOT NULL AND old.deleted_at IS NULL THEN 'delete' "
               "WHEN row.deleted_at IS NULL AND old.deleted_at IS NOT NULL THEN 'restore' " if soft_deleted else "")
            + "ELSE 'update' END"
        )
        table = connection.ops.quote_name(self.model._meta.db_table)
        events = connection.ops.quote_name(AuditEvent._meta.db_table)
        columns = self._columns()
        # "Created, or some audited column differs" is "not an update without changes", compared
        # column by column: filtering on the built `changes` made PostgreSQL build them twice.
        differs = "old.id IS NULL" + (
            f" OR ({', '.join(f'old.{c}' for c in columns)}) IS DISTINCT FROM ({', '.join(f'row.{c}' for c in columns)})"
            if columns else "")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {events} (actor_id, action, resource, object_id, opportunity_id, account_id,
                        changes, source, at)
                    SELECT %s, {action}, %s, row.id, {scope_opportunity}, {scope_account}, {changes}, %s, %s
                    FROM {table} row LEFT JOIN {self._staging} old ON old.id = row.id
                    WHERE row.id = ANY(%s::bigint[]) AND ({differs})
                    ORDER BY row.id""",  # noqa: S608 - identifiers from the model, values as parameters
                [getattr(actor, "pk", None), self.tracked.resource, source, timezone.now(),
                 array_literal(ids, text=False)],
            )
