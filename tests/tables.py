"""Every table's rows, taken out and put back with PostgreSQL's COPY: how the demo
pipeline is built once per test session and handed to each test that reads it
(a few hundred ms instead of seconds of `seed_demo`)."""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

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
    models = apps.get_models(include_auto_created=True)
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(statement)
