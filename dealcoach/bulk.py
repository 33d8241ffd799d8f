"""Appending many rows at once without model instances.

`copy_rows` is for the bookkeeping rows a bulk write leaves behind (audit
events, field history): thousands of plain rows per request, where building
model instances and a multi-row INSERT's SQL text costs more than the write."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


def copy_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Append `rows` (values in `columns` order — attnames, plain Python values)
    to `model`'s table: COPY on PostgreSQL, whatever the number of rows, else
    bulk_create. Column defaults and save() are not applied."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500)
        return
    fields = [model._meta.get_field(name) for name in columns]
    json_columns = [n for n, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    target = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: each access to it is a context-local lookup
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({target}) FROM STDIN"
    ) as copy:
        for row in rows:
            if json_columns:
                row = list(row)
                for n in json_columns:
                    row[n] = fields[n].get_db_prep_save(row[n], db)
            copy.write_row(row)
