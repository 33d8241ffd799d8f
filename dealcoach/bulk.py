"""Appending many rows at once without model instances.

`copy_rows` is for the bookkeeping rows a bulk write leaves behind (audit
events, field history): thousands of plain rows per request, where building
model instances and a multi-row INSERT's SQL text costs more than the write."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


class CopyText(str):
    """Rows already written as PostgreSQL's COPY text (a line each, tab-separated,
    `COPY_NULL` for NULL, strings through `copy_escaped`), for `copy_rows`: a caller
    that knows its few column types formats them faster than a value-by-value dump."""


COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escaped(text: str) -> str:
    """`text` as a COPY text field (its backslashes, tabs and line ends escaped)."""
    # Four substring tests cost a fifth of `translate`, and hardly any text needs it.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def copy_rows(model: type[models.Model], columns: list[str], rows: list[tuple] | CopyText) -> None:
    """Append `rows` (values in `columns` order — attnames, plain Python values;
    on PostgreSQL also a `CopyText`) to `model`'s table: COPY on PostgreSQL,
    whatever the number of rows, else bulk_create. Column defaults and save() are
    not applied."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500)
        return
    fields = [model._meta.get_field(name) for name in columns]
    target = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({target}) FROM STDIN"
    ) as copy:
        if isinstance(rows, CopyText):
            copy.write(rows)
            return
        json_columns = [n for n, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
        db = connections[DEFAULT_DB_ALIAS]  # not the proxy: each access to it is a context-local lookup
        for row in rows:
            if json_columns:
                row = list(row)
                for n in json_columns:
                    row[n] = fields[n].get_db_prep_save(row[n], db)
            copy.write_row(row)


def scratch_table(cursor, *, name: str, shape: str) -> str:
    """An empty temporary table `name` with the columns (and types) of the query
    `shape`, for staging rows inside the current transaction; returns its quoted
    name. Created once per database session and kept, emptied at every commit:
    creating and dropping a temporary table in every bulk write changed the
    system catalogs each time (~1-3 ms a table, bench/NOTES.md). The name must
    stand for one shape (put what varies in it)."""
    quoted = connection.ops.quote_name(name)
    # Emptied at commit; a second use in the same transaction starts empty too.
    create = f"CREATE TEMPORARY TABLE IF NOT EXISTS {quoted} ON COMMIT DELETE ROWS AS {shape} WITH NO DATA"
    cursor.execute(f"{create}; DELETE FROM {quoted}")  # noqa: S608 - identifiers from the models
    return quoted


@contextlib.contextmanager
def answers_awaited_at_exit() -> Iterator[None]:
    """Inside: statements that fetch nothing go to the database without waiting for
    its answer, so the Python work that follows them runs while PostgreSQL executes
    them (psycopg's pipeline mode). Errors are raised at the latest when the block
    ends, inside the caller's transaction, which they roll back as usual. A fetch
    inside waits for everything sent before it. Elsewhere (SQLite, a driver without
    pipelines) statements run one after the other, as outside."""
    if connection.vendor != "postgresql":
        yield
        return
    import psycopg

    raw = connections[DEFAULT_DB_ALIAS].connection
    if raw is None or not psycopg.Pipeline.is_supported():  # pragma: no cover - libpq < 14
        yield
        return
    with raw.pipeline():
        yield
