"""Small SQL helpers that work on PostgreSQL and on the embedded SQLite."""

from __future__ import annotations

from django.db import connection
from django.db.models import Aggregate, JSONField, QuerySet, TextField


class JSONArrayAgg(Aggregate):
    """Aggregate values into a JSON array (`jsonb_agg` / `json_group_array`),
    so a row can carry its few related rows without a second query."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


class CommaJoin(Aggregate):
    """Text values joined by commas (`string_agg` / `group_concat`): for a few short
    codes per row, far cheaper to read back than JSON (no decoding of 10,000 documents)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def grouped_rows(queryset: QuerySet, *, group_by: list[str], aggregates: dict[str, str]) -> list[dict]:
    """`SELECT <group_by>, <aggregates> FROM (<queryset>) GROUP BY <group_by>`.

    The inner query computes each row's annotations; the outer one aggregates them as many
    ways as needed. `aggregates` maps a result name to SQL over the inner query's aliases.
    Keep correlated subqueries out of the inner query: PostgreSQL pulls it up and would run
    one for every aggregate that reads its alias."""
    inner_sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    keys = ", ".join(quote(name) for name in group_by)
    selects = ", ".join([keys, *(f"{sql} AS {quote(name)}" for name, sql in aggregates.items())])
    # Not a MATERIALIZED CTE any more: that kept PostgreSQL from running a row's correlated
    # subquery once per aggregate reading its alias, and the inner query has none since the
    # review's counts come from the ranking; inlined, it aggregates without a 10,000-row buffer.
    sql = f"SELECT {selects} FROM ({inner_sql}) review_rows GROUP BY {keys}"  # noqa: S608 (no user input)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def sum_of(alias: str) -> str:
    return f"SUM({connection.ops.quote_name(alias)})"
