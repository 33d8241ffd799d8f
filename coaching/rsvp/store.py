"""Set-based writes of stored scores and snapshots, for the nightly rescoring
of the whole pipeline. Called by `coaching.rsvp.services` only.

On PostgreSQL a chunk of scores goes up as ONE jsonb parameter, unpacked by
the server: Django's bulk_create spends more time building and quoting 26,000
placeholders in Python than PostgreSQL spends writing the rows. Other
databases (SQLite in development) use bulk_create.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection

from deals.models import Opportunity

from .models import DealScore, ScoreSnapshot

DIMENSIONS = ("relationships", "strategy", "value", "process")


@dataclass(frozen=True, slots=True)
class ScoreRow:
    opportunity_id: int
    overall: int
    scores: tuple[int, int, int, int]  # in DIMENSIONS order
    statuses: tuple[str, str, str, str]
    summary: dict


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def upsert_scores(rows: list[ScoreRow], *, as_of: dt.date, now: dt.datetime) -> None:
    """Insert or update the `DealScore` of each row's deal."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _upsert_scores_postgresql(rows, as_of=as_of, now=now)
    else:
        upsert_scores_orm(rows, as_of=as_of, now=now)


def _upsert_scores_postgresql(rows: list[ScoreRow], *, as_of: dt.date, now: dt.datetime) -> None:
    payload = json.dumps([
        [r.opportunity_id, r.overall, *r.scores, *r.statuses, r.summary] for r in rows
    ], separators=(",", ":"))
    score_columns = [c for d in DIMENSIONS for c in (d, f"{d}_status")]
    columns = ["opportunity_id", "overall", *score_columns, "summary", "as_of", "computed_at"]
    picks = ["(r->>0)::bigint", "(r->>1)::smallint"]
    for index in range(len(DIMENSIONS)):
        picks += [f"(r->>{2 + index})::smallint", f"(r->>{6 + index})"]
    picks += ["r->10", "%s::date", "%s::timestamptz"]
    updates = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in columns[1:])
    # Only quoted model identifiers go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {_q(DealScore._meta.db_table)} ({', '.join(_q(c) for c in columns)}) "  # noqa: S608
        f"SELECT {', '.join(picks)} FROM jsonb_array_elements(%s::jsonb) AS r "
        f"ON CONFLICT ({_q('opportunity_id')}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of, now, payload])


def upsert_scores_orm(rows: list[ScoreRow], *, as_of: dt.date, now: dt.datetime) -> None:
    objects = []
    for r in rows:
        fields = {"opportunity_id": r.opportunity_id, "overall": r.overall, "summary": r.summary,
                  "as_of": as_of, "computed_at": now}
        for dimension, score, status in zip(DIMENSIONS, r.scores, r.statuses, strict=True):
            fields[dimension] = score
            fields[f"{dimension}_status"] = status
        objects.append(DealScore(**fields))
    update_fields = [f.name for f in DealScore._meta.concrete_fields if f.name != "opportunity"]
    DealScore.objects.bulk_create(
        objects, update_conflicts=True, unique_fields=["opportunity"], update_fields=update_fields
    )


def snapshot_open_scores(*, week: dt.date, now: dt.datetime) -> int:
    """Copy every open, live deal's stored scores into `week`'s snapshot, in
    one INSERT … SELECT … ON CONFLICT (PostgreSQL and SQLite alike)."""
    score, snapshot = DealScore._meta.db_table, ScoreSnapshot._meta.db_table
    opportunity = Opportunity._meta.db_table
    copied = ["overall", *DIMENSIONS]
    updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in [*copied, "taken_at"])
    sql = (  # only quoted model identifiers go into the text; every value is a parameter
        f"INSERT INTO {_q(snapshot)} ({_q('opportunity_id')}, {_q('week')}, "  # noqa: S608
        f"{', '.join(_q(c) for c in copied)}, {_q('taken_at')}) "
        f"SELECT s.{_q('opportunity_id')}, %s, {', '.join(f's.{_q(c)}' for c in copied)}, %s "
        f"FROM {_q(score)} s JOIN {_q(opportunity)} o ON o.{_q('id')} = s.{_q('opportunity_id')} "
        f"WHERE o.{_q('status')} = 'open' AND o.{_q('deleted_at')} IS NULL "
        f"ON CONFLICT ({_q('opportunity_id')}, {_q('week')}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [week, now])
        return cursor.rowcount
