"""The machinery every "upsert by external id" shares (accounts, stakeholders,
opportunities, activities): batch parsing, duplicate detection, locking, and
the concurrency-safe insert.

How a batch is written (see `run_upsert`):

1. Items are parsed by plain field specs; errors are per item, never per batch.
2. Inside one transaction, the rows already holding the batch's external ids
   are locked with SELECT ... FOR UPDATE in external-id order (stable key
   order: two overlapping batches lock in the same order, so they queue
   instead of deadlocking). Deleted rows keep their external id: upserting
   onto one answers an error (409 for a single upsert) rather than reviving it.
   A row the caller cannot see answers "not found" (404 for a single upsert):
   we never confirm that another team's object exists.
3. New rows go in with INSERT ... ON CONFLICT DO NOTHING RETURNING id. A key
   that lost a race to a concurrent insert (the INSERT waits for the other
   transaction, then skips) is locked and applied as an update — so ten
   concurrent upserts of one external id make one row and all succeed.
4. Changed rows are written in one statement (on PostgreSQL an UPDATE ... FROM
   the staged changed columns); rows whose values did not change are reported
   "unchanged" and not touched (their updated_at stays).
5. The audit trail, the change log (and webhooks) are appended in the same
   transaction, set-based: bulk writes bypass `post_save`. The audit events'
   source (api, import) is the current audit context's, set by whoever called
   (the API's middleware, `csv_import`): the upsert services take no `source=`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from dealcoach.audit.context import current_audit_context
from dealcoach.audit.services import WrittenRowsAudit
from dealcoach.bulk import answers_awaited_at_exit, scratch_table
from dealcoach.lookups import AnyOf
from sync.changes import changes_record
from sync.fieldspecs import Invalid, Spec, Text, parse_fields

MAX_BATCH_ITEMS = 1000

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"

# Why an item failed, when the single-item endpoint must answer other than 400.
NOT_FOUND, GONE, TAKEN = "not_found", "deleted", "taken"

# What a caller is told about an external id held by a record it may not see: that it is taken,
# nothing about the record (docs/sync.md, "External ids and teams").
TAKEN_MESSAGE = ("This external id is already used by a record outside your visibility (another team's). "
                 "Ask an admin to resolve the conflict.")
DELETED_MESSAGE = ("This external id belongs to one of your records that was deleted. Restore that record "
                   "(admin), or have an admin purge it; then the external id can be used again.")

EXTERNAL_ID = Text(max_length=255, blank=False, strip=False, help="Your system's id for this record.")


@dataclass
class UpsertResult:
    index: int
    external_id: str | None
    id: int | None = None
    result: str = ERROR
    errors: dict[str, list[str]] = field(default_factory=dict)
    # NOT_FOUND / GONE when the failure is about the row itself, not the input.
    refusal: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "external_id": self.external_id, "id": self.id,
            "result": self.result, "errors": self.errors,
        }

    def fail(self, errors: dict[str, list[str]], refusal: str | None = None) -> None:
        self.result, self.id, self.refusal = ERROR, None, refusal
        for name, reasons in errors.items():
            self.errors.setdefault(name, []).extend(reasons)


@dataclass
class Item:
    """One parsed, still-valid batch item on its way to the database."""

    result: UpsertResult
    data: dict[str, Any]
    # Filled by the resource's `resolve` step: model field name -> value.
    values: dict[str, Any] = field(default_factory=dict)
    # Resource-specific extras (roles, stakeholders, the old tracked values...).
    extra: dict[str, Any] = field(default_factory=dict)
    instance: models.Model | None = None

    @property
    def external_id(self) -> str:
        return self.result.external_id

    def error(self, name: str, reason: str) -> None:
        self.result.fail({name: [reason]})


def parse_batch(
    items: Any, specs: dict[str, Spec], *, read_only: tuple[str, ...] = ()
) -> tuple[list[UpsertResult], list[Item]]:
    """Parse every item: a result per input item (in input order) and the
    items still valid. A repeated external id is an error for the later item."""
    results: list[UpsertResult] = []
    valid: list[Item] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        result = UpsertResult(index=index, external_id=None)
        results.append(result)
        if not isinstance(raw, dict):
            result.fail({"non_field_errors": ["Each item must be a JSON object."]})
            continue
        external_id = None
        if "external_id" not in raw:
            result.fail({"external_id": ["This field is required."]})
        else:
            try:
                external_id = result.external_id = EXTERNAL_ID.parse(raw["external_id"])
            except Invalid as error:
                result.fail({"external_id": [error.reason]})
        body = {k: v for k, v in raw.items() if k != "external_id"}
        data, errors = parse_fields(body, specs, partial=True, read_only=read_only)
        if errors:
            result.fail(errors)
        if external_id is not None:
            if external_id in seen:
                result.fail({"external_id": [f"Repeats the external id of item {seen[external_id]} in this batch."]})
            else:
                seen[external_id] = index
        if result.errors:
            continue
        valid.append(Item(result=result, data=data))
    return results, valid


def require(item: Item, specs: dict[str, Spec], alternatives: dict[str, str] | None = None) -> bool:
    """On create, check the required fields (a reference may come by id or by external id)."""
    alternatives = alternatives or {}
    ok = True
    for name, spec in specs.items():
        if spec.required and name not in item.data and alternatives.get(name) not in item.data:
            item.error(name, "This field is required." + (
                f" (or give {alternatives[name]})" if name in alternatives else ""
            ))
            ok = False
    return ok


def visible_case(q: Q) -> Case | Value:
    """`q` as a boolean annotation (an empty Q — admins — means everything)."""
    if not q:
        return Value(True, output_field=BooleanField())
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def lock_rows(queryset: models.QuerySet, external_ids: Iterable[str], visible_q: Q) -> dict[str, models.Model]:
    """The rows holding `external_ids` — deleted ones included — locked FOR
    UPDATE in external-id order, each annotated with `is_visible`."""
    keys = sorted(set(external_ids))
    if not keys:
        return {}
    rows = (
        queryset.filter(AnyOf(F("external_id"), keys))
        .annotate(is_visible=visible_case(visible_q))
        .select_for_update(of=("self",))
        .order_by("external_id")
    )
    deferred, deferring = rows.query.deferred_loading
    if rows.query.select_related or not deferring or _has_init_receivers(queryset.model):
        return {row.external_id: row for row in rows}
    # The instances the queryset would build, from plain rows: Model.from_db's checks and
    # per-field __init__ cost ~10 µs a row, a fifth of the lock's time (bench/NOTES.md).
    fields = [f for f in queryset.model._meta.concrete_fields if f.name not in deferred and f.attname not in deferred]
    attnames = [f.attname for f in fields]
    instances = {}
    db = rows.db  # a router lookup: once, not per row
    for values in rows.values_list(*attnames, "is_visible"):
        # `values` ends with is_visible, one more than `attnames`.
        row = _instance(queryset.model, zip(attnames, values, strict=False), db=db)
        row.is_visible = values[-1]
        instances[row.external_id] = row
    return instances


def _has_init_receivers(model: type[models.Model]) -> bool:
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def _instance(model: type[models.Model], values: Iterable[tuple[str, Any]], *, db: str | None) -> models.Model:
    """An instance holding `values` (attname, value) as its fields, without Model.__init__
    (only for models no pre_init/post_init receiver watches): new when `db` is None, else
    as loaded from that database."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = db is None
    instance._state.db = db
    return instance


# Per model: the default of each field whose default is a plain value, and the fields whose default is computed.
_DEFAULTS: dict[type[models.Model], tuple[dict[str, Any], list]] = {}


def new_instance(model: type[models.Model], **values: Any) -> models.Model:
    """`model(**values)` (field names or attnames, related objects by name) at a quarter of its
    cost: a bulk upsert builds up to 1,000 new instances per request."""
    if _has_init_receivers(model):
        return model(**values)
    if model not in _DEFAULTS:
        fields = model._meta.concrete_fields
        computed = [f for f in fields if f.has_default() and callable(f.default)]
        _DEFAULTS[model] = ({f.attname: f.get_default() for f in fields if f not in computed}, computed)
    plain, computed = _DEFAULTS[model]
    instance = _instance(model, plain.items(), db=None)
    for computed_field in computed:
        instance.__dict__[computed_field.attname] = computed_field.get_default()
    for name, value in values.items():
        setattr(instance, name, value)
    return instance


def _prepared_reader(field, *, add: bool, db) -> Callable[[models.Model], Any] | None:
    """How to read one column's value for psycopg when Django must prepare it: JSON
    (its database form differs). None for the plain columns, read as they are — the
    per-value Django machinery was most of the cost of a 1,000-row write."""
    if field.get_internal_type() == "JSONField":
        if db.vendor == "postgresql":
            # The JSON text itself, for COPY (text format): what the Jsonb wrapper Django returns
            # would dump to, without a wrapper and a dumper lookup per row. Lists of strings (a
            # deal's competitors) repeat from row to row: each is dumped once per write.
            texts: dict[tuple[str, ...], str] = {}

            def json_text(obj, dumps=json.dumps, encoder=field.encoder):
                value = field.pre_save(obj, add=add)
                if value is None:
                    return None
                if type(value) is not list or not all(type(member) is str for member in value):
                    return dumps(value, cls=encoder)
                key = tuple(value)
                if key not in texts:
                    texts[key] = dumps(value, cls=encoder)
                return texts[key]

            return json_text
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=add), db)
    return None


def _stamp(fields: list, objs: list[models.Model], *, add: bool) -> None:
    """Set what save() sets by itself — auto_now columns, and auto_now_add ones on insert —
    with one timestamp for the whole write, as one statement's now() would: a clock read
    through each field's pre_save, per row, cost ~2 ms of a 1,000-row write."""
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or (add and getattr(f, "auto_now_add", False))]
    if stamped:
        now = timezone.now()
        for obj in objs:
            for attname in stamped:
                setattr(obj, attname, now)


def _column_values(fields: list, objs: list[models.Model], *, add: bool) -> list[tuple]:
    _stamp(fields, objs, add=add)
    # The connection itself, not the `connection` proxy: each proxy access is a context-local lookup.
    db = connections[DEFAULT_DB_ALIAS]
    prepared = {}
    for n, f in enumerate(fields):
        reader = _prepared_reader(f, add=add, db=db)
        if reader is not None:
            prepared[n] = reader
    # One attrgetter reads every column in C (a tuple from two names on); the few prepared ones are replaced.
    names = [f.attname for f in fields]
    read_all = attrgetter(*names) if len(names) > 1 else (lambda obj, read=attrgetter(names[0]): (read(obj),))
    if not prepared:
        return [read_all(obj) for obj in objs]
    rows = []
    for obj in objs:
        row = list(read_all(obj))
        for n, read in prepared.items():
            row[n] = read(obj)
        rows.append(tuple(row))
    return rows


def _stage(cursor, table: str, columns: str, rows: list[tuple]) -> str:
    """COPY `rows` into an empty temporary table with the columns (and types)
    `columns` of `table`, no constraints, plus `staging_order` (the order given:
    rows are written, and so locked, in it). Returns the table's name."""
    # One table per column list (kept by the session, see scratch_table): a short digest names it.
    digest = hashlib.blake2s(f"{table}({columns})".encode(), digest_size=6).hexdigest()
    staging = scratch_table(
        cursor, name=f"upsert_staging_{digest}",
        shape=f"SELECT {columns}, 0 AS staging_order FROM {table}",  # noqa: S608 - identifiers from the model
    )
    with cursor.cursor.copy(f"COPY {staging} ({columns}, staging_order) FROM STDIN") as copy:
        for order, row in enumerate(rows):
            copy.write_row((*row, order))
    return staging


def _insert(model: type[models.Model], objs: list[models.Model], *, suffix: str, with_pk: bool) -> list[tuple]:
    """INSERT the rows (all concrete columns), in the order given, with `suffix`
    (ON CONFLICT ... RETURNING ...). On PostgreSQL the rows are staged with COPY
    and written by one INSERT ... SELECT; elsewhere by multi-row INSERTs."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    rows = _column_values(fields, objs, add=not with_pk)
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = _stage(cursor, table, columns, rows)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} ORDER BY staging_order "  # noqa: S608
                f"{suffix}"
            )
            if "RETURNING" in suffix:
                returned.extend(cursor.fetchall())
            return returned
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} {suffix}",  # noqa: S608
                [value for row in chunk for value in row],
            )
            if "RETURNING" in suffix:
                returned.extend(cursor.fetchall())
    return returned


def insert_new(model: type[models.Model], objs: list[models.Model]) -> dict[str, int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, external_id, in
    external-id order. Returns the ids of the rows this statement inserted; an
    external id missing from the answer was inserted concurrently by someone else."""
    if not objs:
        return {}
    objs = sorted(objs, key=lambda o: o.external_id)
    inserted = dict(
        (external_id, pk)
        for pk, external_id in _insert(model, objs, suffix="ON CONFLICT DO NOTHING RETURNING id, external_id",
                                       with_pk=False)
    )
    for obj in objs:
        if obj.external_id in inserted:
            obj.pk = inserted[obj.external_id]
    return inserted


def write_changed(model: type[models.Model], objs: list[models.Model], update_fields: list[str]) -> None:
    """Write `update_fields` of rows known to exist and locked by this transaction:
    on PostgreSQL one UPDATE ... FROM the staged values of those columns only,
    elsewhere one INSERT ... ON CONFLICT (external_id) DO UPDATE."""
    if not objs:
        return
    if connection.vendor == "postgresql":
        fields = [model._meta.pk, *(model._meta.get_field(name) for name in update_fields)]
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        columns = [quote(f.column) for f in fields]
        with connection.cursor() as cursor:
            staging = _stage(cursor, table, ", ".join(columns), _column_values(fields, objs, add=False))
            cursor.execute(
                f"UPDATE {table} AS target SET {', '.join(f'{c} = staged.{c}' for c in columns[1:])} "  # noqa: S608
                f"FROM {staging} AS staged WHERE target.{pk} = staged.{pk}"
            )
        return
    columns = [model._meta.get_field(name).column for name in update_fields]
    assignments = ", ".join(
        f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}" for c in columns
    )
    _insert(model, sorted(objs, key=lambda o: o.external_id),
            suffix=f"ON CONFLICT (external_id) DO UPDATE SET {assignments}", with_pk=True)


def run_upsert(
    *,
    model: type[models.Model],
    queryset: models.QuerySet,
    items: list[Item],
    visible_q: Q,
    build: Callable[[Item, models.Model | None], str | None],
    update_fields: list[str],
    while_auditing: Callable[[list[Item], list[Item]], None] | None = None,
) -> tuple[list[Item], list[Item]]:
    """Lock, classify, insert and update. `build(item, current)` sets
    `item.instance` (a new or changed model instance) and returns CREATED,
    UPDATED or UNCHANGED — or None after recording the item's errors.
    `while_auditing(created, updated)`, if given, is Python work on the written
    items (no queries) that runs while the database appends their audit trail.
    Call inside a transaction. Returns (created items, updated items)."""
    created: list[Item] = []
    updated: list[Item] = []
    released: list[int] = []

    def classify(batch: list[Item], rows: dict[str, models.Model], *, may_create: bool) -> list[Item]:
        to_create = []
        for item in batch:
            row = rows.get(item.external_id)
            if row is not None and not row.is_visible:
                if row.deleted_at is None or not may_create:
                    item.result.fail({"external_id": [TAKEN_MESSAGE]}, refusal=TAKEN)
                    continue
                # Deleted by a team the caller cannot see: its external id is free again
                # (that record's tombstone keeps its own id, not the external one).
                released.append(row.pk)
                row = None
            if row is not None and row.deleted_at is not None:
                item.result.fail({"external_id": [DELETED_MESSAGE]}, refusal=GONE)
                continue
            if row is None and not may_create:  # pragma: no cover - a row cannot vanish under our lock
                item.result.fail({"external_id": ["No such record."]}, refusal=NOT_FOUND)
                continue
            outcome = build(item, row)
            if outcome is None:
                continue
            item.result.result = outcome
            if outcome == CREATED:
                to_create.append(item)
            else:
                item.result.id = row.pk
                if outcome == UPDATED:
                    updated.append(item)
        return to_create

    # Bulk writes bypass post_save, so the audit trail is written here, in the same transaction,
    # from the audited values the locked rows had before `build` changed them.
    audit = WrittenRowsAudit(model)
    items = sorted(items, key=lambda i: i.external_id)
    rows = lock_rows(queryset, (i.external_id for i in items), visible_q)
    audit.remember(rows.values())
    to_create = classify(items, rows, may_create=True)
    if released:
        model._base_manager.filter(pk__in=released).update(external_id=None)
    inserted = insert_new(model, [i.instance for i in to_create])
    lost = []
    for item in to_create:
        if item.external_id in inserted:
            item.result.id = inserted[item.external_id]
            created.append(item)
        else:
            lost.append(item)
    if lost:
        # Someone inserted these keys while we prepared: apply as updates to their rows.
        for item in lost:
            item.instance = None
            item.extra.pop("before", None)
        rows = lock_rows(queryset, (i.external_id for i in lost), visible_q)
        audit.remember(rows.values())
        classify(lost, rows, may_create=False)
    write_changed(model, [i.instance for i in updated], update_fields)
    # The audit's INSERT ... SELECT is 20-30 ms of PostgreSQL per 1,000 rows (bench/NOTES.md):
    # the caller's Python work on the batch overlaps it instead of following it.
    written = [i.result.id for i in created + updated]
    with answers_awaited_at_exit():
        audit.record(ids=written, source=current_audit_context().source)
        if while_auditing is not None:
            while_auditing(created, updated)
        # Bulk writes bypass save(): tell the changes feed (and webhooks) ourselves. Its statement
        # is built while the audit's runs; reading what it wrote waits for both.
        changes_record(resource=model._meta.model_name, ids=written, created_ids=[i.result.id for i in created])
    return created, updated


def changed(instance: models.Model, values: dict[str, Any]) -> bool:
    """Set `values` on `instance`; True when any differs from what it had."""
    differs = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            differs = True
    return differs


# --- single-object writes (the API's create / update by id) ---------------------------


def parse_single(*, raw: Any, specs: dict, read_only: tuple[str, ...], partial: bool) -> dict[str, Any]:
    """Parse one request body; ValidationError naming every bad field."""
    if not isinstance(raw, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    data, errors = parse_fields(raw, specs, partial=True, read_only=read_only)
    if not partial:
        for name, spec in specs.items():
            alternative = f"{name}_external_id"
            if spec.required and name not in raw and alternative not in raw:
                errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    return data


def item_for(*, data: dict[str, Any], external_id: str | None = None) -> Item:
    return Item(result=UpsertResult(index=0, external_id=external_id), data=data)


def raise_item_errors(item: Item) -> None:
    if item.result.errors:
        raise ValidationError(item.result.errors)
