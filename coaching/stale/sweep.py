"""The stale rule: the six flag conditions, as the SQL the sweep runs
set-based over every open deal. This is their one home (`rules.py` holds the
kinds, their labels and the snooze rules; `docs/stale.md` explains them).

For an as-of date `today` (days are whole calendar days):

- `no_activity`: days since the last activity (or since the deal was created,
  when nothing was ever logged) > the stage's rot days.
- `close_date_passed`: the rep's expected close date < today.
- `milestone_overdue`: a close-plan milestone is not done and its
  `latest_finish` < today.
- `decaying`: days since the last senior engagement (or since created) >
  the half-life.
- `single_threaded`: fewer than two stakeholders took part in an activity
  in the engagement window (the last N days, today and day today-N included).
- `no_decision_maker`: no economic buyer or decision maker took part in an
  activity in the engagement window.

The rot days are `Stage.rot_days`; the half-life is
`DEALCOACH_DECAY_HALF_LIFE_DAYS`, the window `DEALCOACH_ENGAGEMENT_WINDOW_DAYS`.

A same-day rerun is incremental: one statement collects the deals touched
since the last sweep for that day into a scope table, and every statement
below is then restricted to those deals (see `scope_table_sql`).

One statement computes each open deal's facts into a temporary table (days
idle, days since senior engagement, stakeholders engaged in the window,
overdue milestones, propensity for the `decaying` reason); then, per kind, one
UPDATE clears the flags whose condition ended and one INSERT ... SELECT ... ON
CONFLICT DO NOTHING raises the new ones. No deal is loaded into Python, and no
deal row is written: propensity is computed where it is read (deals/propensity.py).

The SQL is the same on PostgreSQL and SQLite (the embedded mode) except for
day arithmetic, which each dialect spells its own way. On SQLite days are
counted on UTC dates (the embedded mode's time zone)."""

# Only table names from model metadata and constants are formatted into the
# SQL; every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection

from accounts.models import Stakeholder
from deals.models import Activity, DealRole, Opportunity, Stage
from deals.propensity import days_since_sql

from . import rules
from .models import Flag

STATE_TABLE = "stale_sweep_state"
SCOPE_TABLE = "stale_sweep_scope"
POWER_ROLES_SQL = ", ".join(f"'{role}'" for role in DealRole.DECISION_ROLES)


@dataclass(frozen=True)
class Dialect:
    vendor: str

    def days_since_timestamp(self, column: str) -> str:
        """Whole days from the column's local date to %(as_of)s (counted as deals/propensity.py counts them)."""
        return days_since_sql(self.vendor, column, as_of="%(as_of)s", tz="%(tz)s")

    def days_since_date(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"(CAST(%(as_of)s AS date) - {column})"
        return f"CAST(julianday(%(as_of)s) - julianday({column}) AS INTEGER)"


def dialect() -> Dialect:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"The stale sweep runs on PostgreSQL or SQLite, not {connection.vendor}.")
    return Dialect(connection.vendor)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _not_negative(expression: str) -> str:
    return f"CASE WHEN {expression} < 0 THEN 0 ELSE {expression} END"


def _days_text(expression: str) -> str:
    """'1 day' / '23 days'."""
    return f"CAST({expression} AS TEXT) || CASE WHEN {expression} = 1 THEN ' day' ELSE ' days' END"


def _milestone_tables() -> tuple[str, str] | None:
    """(milestone table, plan table) when the close-plan app's tables exist."""
    try:
        milestone = apps.get_model("closeplan", "Milestone")
        plan = apps.get_model("closeplan", "ClosePlan")
    except LookupError:
        return None
    existing = set(connection.introspection.table_names())
    if milestone._meta.db_table not in existing or plan._meta.db_table not in existing:
        return None
    return _table(milestone), _table(plan)


def _in_scope(column: str, scoped: bool) -> str:
    return f" AND {column} IN (SELECT opportunity_id FROM {SCOPE_TABLE})" if scoped else ""


def scope_table_sql() -> str:
    """The deals whose state may differ from the last sweep for the same as-of
    date: every deal written since %(since)s, or whose activities, roles or
    stakeholders were; plus every deal with an overdue milestone or an open
    `milestone_overdue` flag (milestones carry no timestamp, and the set is
    small). Date-driven conditions are the same as in that sweep."""
    activity, through = _table(Activity), _table(Activity.stakeholders.through)
    stakeholder, role, opportunity = _table(Stakeholder), _table(DealRole), _table(Opportunity)
    parts = [
        f"SELECT id FROM {opportunity} WHERE updated_at >= %(since)s",
        f"SELECT id FROM {opportunity} WHERE deleted_at >= %(since)s",
        f"SELECT opportunity_id FROM {activity} WHERE updated_at >= %(since)s",
        f"SELECT opportunity_id FROM {activity} WHERE deleted_at >= %(since)s",
        f"SELECT opportunity_id FROM {role} WHERE updated_at >= %(since)s",
        f"""SELECT a.opportunity_id FROM {stakeholder} sh
            JOIN {through} t ON t.stakeholder_id = sh.id JOIN {activity} a ON a.id = t.activity_id
            WHERE sh.updated_at >= %(since)s OR sh.deleted_at >= %(since)s""",
        f"""SELECT opportunity_id FROM {_table(Flag)}
            WHERE kind = '{rules.MILESTONE_OVERDUE}' AND cleared_at IS NULL""",
    ]
    milestone_tables = _milestone_tables()
    if milestone_tables:
        milestone, plan = milestone_tables
        parts.append(f"""SELECT p.opportunity_id FROM {milestone} ms JOIN {plan} p ON p.id = ms.plan_id
                         WHERE ms.done_on IS NULL AND ms.latest_finish < %(as_of)s""")
    union = "\n        UNION ".join(parts)
    return f"CREATE TEMP TABLE {SCOPE_TABLE} AS SELECT id AS opportunity_id FROM (\n        {union}\n    ) touched"


def create_state_table_sql(d: Dialect, *, scoped: bool = False) -> str:
    """One row per open, not-deleted deal (of the scope table, when `scoped`)
    with everything the rules read."""
    activity, through = _table(Activity), _table(Activity.stakeholders.through)
    stakeholder, role = _table(Stakeholder), _table(DealRole)
    milestone_tables = _milestone_tables()
    if milestone_tables:
        milestone, plan = milestone_tables
        overdue_join = f"""
        LEFT JOIN (
            SELECT p.opportunity_id, COUNT(*) AS overdue, MIN(ms.latest_finish) AS first_due
            FROM {milestone} ms JOIN {plan} p ON p.id = ms.plan_id
            WHERE ms.done_on IS NULL AND ms.latest_finish < %(as_of)s{_in_scope("p.opportunity_id", scoped)}
            GROUP BY p.opportunity_id
        ) m ON m.opportunity_id = o.id"""
        overdue_columns = "COALESCE(m.overdue, 0) AS overdue_milestones, m.first_due AS first_overdue_due,"
        overdue_days = _not_negative(d.days_since_date("m.first_due"))
    else:
        overdue_join = ""
        overdue_columns = "0 AS overdue_milestones, CAST(NULL AS DATE) AS first_overdue_due,"
        overdue_days = "0"
    # Which kinds are already open, read once before any flag is written: the
    # raise statements then never scan the flag table they are inserting into.
    open_kind_columns = ", ".join(
        f"MAX(CASE WHEN kind = '{kind}' THEN 1 ELSE 0 END) AS open_{kind}" for kind in rules.KINDS
    )
    open_kind_state = ", ".join(f"COALESCE(fo.open_{kind}, 0) AS open_{kind}" for kind in rules.KINDS)
    idle = _not_negative(d.days_since_timestamp("COALESCE(o.last_activity_at, o.created_at)"))
    senior = _not_negative(d.days_since_timestamp("COALESCE(o.last_senior_engagement_at, o.created_at)"))
    return f"""
    CREATE TEMP TABLE {STATE_TABLE} AS
    SELECT b.*,
           CAST(b.probability AS DOUBLE PRECISION) / 100.0
             * POWER(CAST(0.5 AS DOUBLE PRECISION), CAST(b.senior_days AS DOUBLE PRECISION) / %(half_life)s)
             AS propensity
    FROM (
        SELECT o.id AS opportunity_id,
               s.name AS stage_name, s.rot_days AS rot_days, s.probability AS probability,
               CASE WHEN o.last_activity_at IS NULL THEN 1 ELSE 0 END AS never_active,
               {idle} AS idle_days,
               o.expected_close_date AS expected_close_date,
               {d.days_since_date("o.expected_close_date")} AS close_days_ago,
               CASE WHEN o.last_senior_engagement_at IS NULL THEN 1 ELSE 0 END AS never_senior,
               {senior} AS senior_days,
               COALESCE(e.engaged, 0) AS engaged,
               COALESCE(e.power_engaged, 0) AS power_engaged,
               CASE WHEN pw.opportunity_id IS NULL THEN 0 ELSE 1 END AS power_named,
               {overdue_columns}
               {overdue_days} AS first_overdue_days,
               {open_kind_state}
        FROM {_table(Opportunity)} o
        JOIN {_table(Stage)} s ON s.id = o.stage_id
        LEFT JOIN (
            SELECT a.opportunity_id,
                   COUNT(DISTINCT t.stakeholder_id) AS engaged,
                   MAX(CASE WHEN r.id IS NULL THEN 0 ELSE 1 END) AS power_engaged
            FROM {activity} a
            JOIN {through} t ON t.activity_id = a.id
            JOIN {stakeholder} sh ON sh.id = t.stakeholder_id AND sh.deleted_at IS NULL
            LEFT JOIN {role} r ON r.opportunity_id = a.opportunity_id AND r.stakeholder_id = t.stakeholder_id
                                AND r.role IN ({POWER_ROLES_SQL})
            WHERE a.deleted_at IS NULL AND a.occurred_at >= %(window_start)s AND a.occurred_at < %(window_end)s
                  {_in_scope("a.opportunity_id", scoped)}
            GROUP BY a.opportunity_id
        ) e ON e.opportunity_id = o.id
        LEFT JOIN (
            SELECT DISTINCT opportunity_id FROM {role}
            WHERE role IN ({POWER_ROLES_SQL}){_in_scope("opportunity_id", scoped)}
        ) pw ON pw.opportunity_id = o.id
        {overdue_join}
        LEFT JOIN (
            SELECT opportunity_id, {open_kind_columns}
            FROM {_table(Flag)} WHERE cleared_at IS NULL{_in_scope("opportunity_id", scoped)}
            GROUP BY opportunity_id
        ) fo ON fo.opportunity_id = o.id
        WHERE o.status = 'open' AND o.deleted_at IS NULL{_in_scope("o.id", scoped)}
    ) b
    """


def _first_overdue_name_sql() -> str:
    tables = _milestone_tables()
    if not tables:
        return "'a milestone'"
    milestone, plan = tables
    return f"""COALESCE((
        SELECT ms.name FROM {milestone} ms JOIN {plan} p ON p.id = ms.plan_id
        WHERE p.opportunity_id = st.opportunity_id AND ms.done_on IS NULL
              AND ms.latest_finish = st.first_overdue_due
        ORDER BY ms.position, ms.id LIMIT 1), 'a milestone')"""


def kind_rules() -> dict[str, tuple[str, str]]:
    """Per kind: (condition on the state row `st`, reason as an SQL string expression)."""
    window = "CAST(%(window_days)s AS TEXT)"
    return {
        rules.NO_ACTIVITY: (
            "st.idle_days > st.rot_days",
            f"""CASE WHEN st.never_active = 1
                     THEN 'no activity logged in the ' || {_days_text("st.idle_days")} || ' since the deal was created'
                     ELSE 'no activity for ' || {_days_text("st.idle_days")} END
                || '; ' || st.stage_name || ' allows ' || CAST(st.rot_days AS TEXT)""",
        ),
        rules.CLOSE_DATE_PASSED: (
            "st.close_days_ago > 0",
            f"""'expected close date ' || CAST(st.expected_close_date AS TEXT) || ' passed '
                || {_days_text("st.close_days_ago")} || ' ago'""",
        ),
        rules.MILESTONE_OVERDUE: (
            "st.overdue_milestones > 0",
            f"""'close-plan milestone "' || {_first_overdue_name_sql()} || '" was due by '
                || CAST(st.first_overdue_due AS TEXT) || ' (' || {_days_text("st.first_overdue_days")} || ' ago)'
                || CASE WHEN st.overdue_milestones > 1
                        THEN '; ' || CAST(st.overdue_milestones - 1 AS TEXT) || ' more overdue' ELSE '' END""",
        ),
        rules.DECAYING: (
            "st.senior_days > %(half_life)s",
            f"""CASE WHEN st.never_senior = 1
                     THEN 'no senior stakeholder engaged in the ' || {_days_text("st.senior_days")}
                          || ' since the deal was created'
                     ELSE 'no senior engagement for ' || {_days_text("st.senior_days")} END
                || '; half-life ' || CAST(%(half_life)s AS TEXT) || ' days, propensity '
                || CAST(CAST(ROUND(st.propensity * 100) AS INTEGER) AS TEXT) || '%%'
                || ' (stage ' || CAST(st.probability AS TEXT) || '%%)'""",
        ),
        rules.SINGLE_THREADED: (
            "st.engaged < 2",
            f"""CASE WHEN st.engaged = 0 THEN 'no stakeholder' ELSE 'only 1 stakeholder' END
                || ' engaged in the last ' || {window} || ' days'""",
        ),
        rules.NO_DECISION_MAKER: (
            "st.power_engaged = 0",
            f"""CASE WHEN st.power_named = 0
                     THEN 'no economic buyer or decision maker on the deal, so none engaged in the last '
                     ELSE 'no economic buyer or decision maker engaged in the last ' END
                || {window} || ' days'""",
        ),
    }


def clear_sql(condition: str, *, scoped: bool = False) -> str:
    """Clear the open flags of %(kind)s whose condition no longer holds (or
    whose deal is no longer open) — of the scope's deals only, when `scoped`."""
    flag = _table(Flag)
    return f"""
    UPDATE {flag} SET cleared_at = %(now)s
    WHERE kind = %(kind)s AND cleared_at IS NULL{_in_scope("opportunity_id", scoped)}
      AND NOT EXISTS (
          SELECT 1 FROM {STATE_TABLE} st WHERE st.opportunity_id = {flag}.opportunity_id AND {condition}
      )
    """


def raise_sql(kind: str, condition: str, reason: str) -> str:
    """Raise `kind` where its condition holds and no flag of that kind was open
    when the sweep started. The partial unique index is the final word: a row
    that conflicts with a flag raised meanwhile is skipped."""
    assert kind in rules.KINDS
    return f"""
    INSERT INTO {_table(Flag)} (opportunity_id, kind, reason, raised_at, snooze_reason)
    SELECT st.opportunity_id, %(kind)s, SUBSTR({reason}, 1, 300), %(now)s, ''
    FROM {STATE_TABLE} st
    WHERE {condition} AND st.open_{kind} = 0
    ON CONFLICT (opportunity_id, kind) WHERE cleared_at IS NULL DO NOTHING
    """
