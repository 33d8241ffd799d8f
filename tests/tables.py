"""Every table's rows, taken out and put back with PostgreSQL's COPY: how the demo
pipeline is built once per test session and handed to each test that reads it
(a few hundred ms instead of seconds of `seed_demo`)."""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.db.models import AutoField

TableRows = dict[str, bytes]  # table name -> its rows in COPY's text format


def tables_copy_out(cursor) -> TableRows:
    """The rows of every table of the project's models (`cursor`: a psycopg cursor)."""
    rows = {}
    for table in connection.introspection.django_table_names():
        with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
            rows[table] = b"".join(bytes(block) for block in copy)
    return rows


def tables_replace(cursor, rows: TableRows) -> None:
    """Empty every table, fill them with `rows` and move each id sequence past its rows.

    Call it inside a transaction: Django's foreign keys are checked at commit
    (deferred), so the tables can be filled in any order. Whoever uses the ORM
    afterwards forgets its cached content types (`ContentType.objects.clear_cache()`):
    their ids are the ones in `rows`."""
    tables = connection.introspection.django_table_names()
    for statement in connection.ops.sql_flush(no_style(), tables):
        cursor.execute(statement)
    for table, data in rows.items():
        if data:
            with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                copy.write(data)
    for table, column in _id_columns():
        # Forward only, never back, as if the rows had been created: an id a test saw is
        # not handed out again to another object (a cache entry keyed by it would meet it).
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(nextval(pg_get_serial_sequence(%s, %s)), "
            f'(SELECT max("{column}") FROM "{table}")))',
            [f'"{table}"', column, f'"{table}"', column],
        )


def _id_columns() -> list[tuple[str, str]]:
    """(table, column) of every auto-incremented id."""
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.local_fields
        if isinstance(field, AutoField)
    ]
