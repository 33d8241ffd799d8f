"""Deterministic benchmark data, loaded set-based in PostgreSQL.

Every row comes from `generate_series` and integer hashing inside the
database, so loading a million deals takes seconds and never holds rows in
Python. The same arguments always give the same data (relative to --as-of).

Shape: `--teams` teams of one manager and `--reps-per-team` reps. Team 1 (the
benchmarked manager, username `bench_mgr_1`) owns exactly `--team-deals` open
deals, of which its first rep (`bench_rep_1_1`, the benchmarked rep) owns
exactly `--rep-deals`; the rest are spread over the other teams. All deals are open, so the
sweep walks every one of them.

    python -m bench.generate --accounts 100000 --opportunities 1000000 \
        --stakeholders-per-account 3 --activities-per-opportunity 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

BENCH_PASSWORD = "bench-pass-2026"


def _setup_django() -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealcoach.settings.test")
    import django

    django.setup()


def _hash(expr: str, salt: int) -> str:
    """A cheap deterministic integer hash of an SQL expression (non-negative)."""
    return f"((({expr})::bigint * 2654435761 + {salt * 40503}) % 4294967296)"


def generate(*, accounts: int, opportunities: int, stakeholders_per_account: int,
             activities_per_opportunity: int, teams: int = 20, reps_per_team: int = 10,
             team_deals: int = 10_000, rep_deals: int = 500, as_of: date | None = None,
             progress=print) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    as_of = as_of or date.today()
    total_reps = teams * reps_per_team
    if accounts < total_reps:
        raise SystemExit(f"--accounts must be at least teams × reps ({total_reps}).")
    team_deals = min(team_deals, opportunities)
    rep_deals = team_deals if reps_per_team == 1 else min(rep_deals, team_deals)
    password = make_password(BENCH_PASSWORD)
    accounts_per_rep = accounts // total_reps
    started = time.perf_counter()

    def step(label: str, sql: str, params=None) -> None:
        t0 = time.perf_counter()
        if params is not None:
            sql = sql.replace(" % ", " %% ")  # modulo, not a placeholder
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.rowcount
        progress(f"  {label}: {rows:,} rows in {time.perf_counter() - t0:.1f}s")

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    progress(f"Generating {opportunities:,} deals, {accounts:,} accounts (as of {as_of})")
    step("teams", """
        INSERT INTO dealcoach_team (id, name, coaching_cadence_days, coaching_min_amount, reporting_currency)
        SELECT t, 'Bench team ' || t, 14, 0, 'USD' FROM generate_series(1, %s) t""", [teams])
    # Users: managers get ids 1..teams, reps after them.
    user_cols = ("password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
                 "date_joined, role, team_id")
    step("managers", f"""
        INSERT INTO dealcoach_user (id, {user_cols})
        SELECT t, %s, false, 'bench_mgr_' || t, 'Manager', t::text, '', false, true, now(), 'manager', t
        FROM generate_series(1, %s) t""", [password, teams])
    step("reps", f"""
        INSERT INTO dealcoach_user (id, {user_cols})
        SELECT {teams} + r + 1, %s, false, 'bench_rep_' || (r / {reps_per_team} + 1) || '_' || (r % {reps_per_team} + 1),
               'Rep', r::text, '', false, true, now(), 'rep', r / {reps_per_team} + 1
        FROM generate_series(0, %s - 1) r""", [password, total_reps])
    step("team managers", "UPDATE dealcoach_team SET manager_id = id")
    # Account a (0-based) belongs to rep a % total_reps.
    step("accounts", f"""
        INSERT INTO accounts_account (id, external_id, name, domain, industry, owner_id, created_at, updated_at)
        SELECT a + 1, 'bench-acc-' || (a + 1), 'Account ' || (a + 1), 'acc' || (a + 1) || '.example',
               (ARRAY['Software','Retail','Health','Energy','Finance'])[1 + a % 5],
               {teams} + (a % {total_reps}) + 1, now() - interval '200 days', now() - interval '100 days'
        FROM generate_series(0, %s - 1) a""", [accounts])
    seniorities = "ARRAY['c_level','vp','director','manager','staff']"
    step("stakeholders", f"""
        INSERT INTO accounts_stakeholder (id, external_id, account_id, name, title, email, seniority,
                                          reports_to_id, created_at, updated_at)
        SELECT s + 1, 'bench-sh-' || (s + 1), s / {stakeholders_per_account} + 1, 'Person ' || (s + 1),
               'Title', '', ({seniorities})[1 + (s % {stakeholders_per_account}) % 5],
               CASE WHEN s % {stakeholders_per_account} = 0 THEN NULL
                    ELSE s - s % {stakeholders_per_account} + 1 END,
               now() - interval '200 days', now() - interval '100 days'
        FROM generate_series(0, %s - 1) s""", [accounts * stakeholders_per_account])
    # Deal i (0-based): team 1's reps own the first `team_deals` (its first rep the first
    # `rep_deals` of them), the other teams the rest.
    rep_expr = (f"CASE WHEN i < {rep_deals} THEN 0 "
                f"WHEN i < {team_deals} THEN 1 + (i - {rep_deals}) % GREATEST({reps_per_team - 1}, 1) "
                f"ELSE {reps_per_team} + i % GREATEST({total_reps - reps_per_team}, 1) END")
    account_expr = f"(({rep_expr}) + {total_reps} * ({_hash('i', 1)} % {max(accounts_per_rep, 1)}))"
    # Deal i's activities and their one participant each are pure functions of (i, k) (see the
    # "activities" and "activity participants" steps), so the engagement dates the app keeps on
    # the deal are computed here from the same expressions instead of by an UPDATE of every deal
    # joined to 2M activities afterwards (which took longer than inserting the deals).
    activity_at = f"(%(as_of)s::date - ({_hash('(i + 1) * 7 + k', 7)} % 90)::int + time '10:00')"
    senior_participant = (f"((i * {activities_per_opportunity} + k + 1) % {stakeholders_per_account}) % 5 < 3"
                          if stakeholders_per_account else "false")
    engagement = f"""(SELECT max({activity_at}) FROM generate_series(0, %(k)s - 1) k),
               (SELECT max({activity_at}) FILTER (WHERE {senior_participant})
                FROM generate_series(0, %(k)s - 1) k)"""
    step("opportunities", f"""
        INSERT INTO deals_opportunity (
            id, external_id, account_id, owner_id, name, amount, currency, stage_id, status, lost_reason,
            expected_close_date, go_live_date, budget_status, budget_amount, compelling_event,
            consequence_if_missed, success_criteria, business_value, competitors, strategy, strategy_notes,
            notes, forecast_category, stage_entered_at, created_at, updated_at, last_activity_at,
            last_senior_engagement_at)
        SELECT i + 1, 'bench-opp-' || (i + 1), {account_expr} + 1, {teams} + ({rep_expr}) + 1,
               'Deal ' || (i + 1), 1000 * (1 + {_hash('i', 2)} % 500),
               CASE WHEN i % 5 = 0 THEN 'EUR' ELSE 'USD' END, st.id, 'open', '',
               %(as_of)s::date + (({_hash('i', 3)} % 150)::int - 30),
               CASE WHEN i % 3 = 0 THEN NULL ELSE %(as_of)s::date + 90 + ({_hash('i', 4)} % 120)::int END,
               (ARRAY['unknown','identified','approved'])[1 + i % 3], NULL,
               CASE WHEN i % 2 = 0 THEN 'Regulatory deadline' ELSE '' END, '',
               CASE WHEN i % 4 = 0 THEN 'Cycle time down 30%%' ELSE '' END, '',
               '["do nothing"]', (ARRAY['','direct','indirect','divisional','containment'])[1 + i % 5], '', '',
               st.forecast_category, %(as_of)s::date - ({_hash('i', 5)} % 60)::int,
               %(as_of)s::date - 120, now() - make_interval(secs => i),
               {engagement}
        FROM generate_series(0, %(n)s - 1) i
        JOIN deals_stage st ON st."order" = 1 + {_hash('i', 6)} % 5""",
         {"as_of": as_of, "n": opportunities, "k": activities_per_opportunity})
    step("deal roles", f"""
        INSERT INTO deals_dealrole (opportunity_id, stakeholder_id, role, stance, influence, strength,
                                    leans_to_competitor, created_at, updated_at)
        SELECT o.id, (o.account_id - 1) * {stakeholders_per_account} + 1 + k,
               (ARRAY['economic_buyer','champion','technical_buyer','user_buyer','influencer'])[1 + (k + o.id) % 5],
               (ARRAY['advocate','supporter','neutral','skeptic','opponent'])[1 + (o.id + k) % 5],
               (ARRAY['high','medium','low'])[1 + k % 3], 1 + (o.id + k) % 5, false, now(), now()
        FROM deals_opportunity o, generate_series(0, %s - 1) k
        WHERE o.external_id LIKE 'bench-opp-%%'""", [min(2, stakeholders_per_account)])
    step("activities", f"""
        INSERT INTO deals_activity (id, opportunity_id, kind, occurred_at, summary, created_at, updated_at)
        SELECT (o.id - 1) * {activities_per_opportunity} + k + 1, o.id,
               (ARRAY['meeting','call','email','demo','note'])[1 + (o.id + k) % 5],
               %(as_of)s::date - ({_hash('o.id * 7 + k', 7)} % 90)::int + time '10:00', 'Bench activity',
               now(), now()
        FROM deals_opportunity o, generate_series(0, %(k)s - 1) k
        WHERE o.external_id LIKE 'bench-opp-%%'""", {"as_of": as_of, "k": activities_per_opportunity})
    step("activity participants", f"""
        INSERT INTO deals_activity_stakeholders (activity_id, stakeholder_id)
        SELECT a.id, (o.account_id - 1) * {stakeholders_per_account} + 1 + (a.id % {stakeholders_per_account})
        FROM deals_activity a JOIN deals_opportunity o ON o.id = a.opportunity_id""")
    # Every fifth deal is priced in EUR: the review converts it with the rate in force (two dated rates).
    step("exchange rates", """
        INSERT INTO dealcoach_exchangerate (base_currency, quote_currency, rate, valid_from, source, created_at)
        VALUES ('EUR', 'USD', 1.05, %(as_of)s::date - 120, 'bench', now()),
               ('EUR', 'USD', 1.08, %(as_of)s::date - 10, 'bench', now())""", {"as_of": as_of})
    with connection.cursor() as cursor:
        for table in ("dealcoach_team", "dealcoach_user", "accounts_account", "accounts_stakeholder",
                      "deals_opportunity", "deals_dealrole", "deals_activity", "deals_activity_stakeholders"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT max(id) FROM {table}), 1))")
        cursor.execute("ANALYZE")
    progress(f"Loaded in {time.perf_counter() - started:.1f}s")
    return {"teams": teams, "reps": total_reps, "accounts": accounts,
            "stakeholders": accounts * stakeholders_per_account, "opportunities": opportunities,
            "activities": opportunities * activities_per_opportunity, "team_deals": team_deals,
            "rep_deals": rep_deals}


def generate_insights_history(*, teams: int, reps_per_team: int, team_deals: int, closed: int, weeks: int = 52,
                               as_of: date | None = None, progress=print) -> dict[str, int]:
    """A year of history for team 1 (bench_mgr_1's), for the Insights benchmark: `closed` deals won
    or lost over the last year (with stage entries and close-date moves), and weekly RSVP score and
    pipeline snapshots of every team-1 deal for `weeks` weeks (of the closed ones while they were
    open). Set-based like `generate`; run after the other benchmarks, which count open deals only
    but read the deals table whole."""
    from django.db import connection

    from dealcoach.dates import week_start

    as_of = as_of or date.today()
    monday = week_start(as_of)
    first_rep, last_rep = teams + 1, teams + reps_per_team
    started = time.perf_counter()

    def step(label: str, sql: str, params: dict) -> None:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace(" % ", " %% "), params)
            rows = cursor.rowcount
        progress(f"  {label}: {rows:,} rows in {time.perf_counter() - t0:.1f}s")

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SELECT COALESCE(max(id), 0) FROM deals_opportunity")
        first_id = cursor.fetchone()[0]
    params = {"as_of": as_of, "monday": monday, "closed": closed, "team_deals": team_deals, "first_id": first_id,
              "first_rep": first_rep, "last_rep": last_rep, "weeks": weeks}
    progress(f"Insights history for team 1: {closed:,} closed deals, {weeks} weeks of snapshots")
    won = f"({_hash('j', 11)} % 100 < 55)"
    step("closed deals", f"""
        INSERT INTO deals_opportunity (
            id, external_id, account_id, owner_id, name, amount, currency, stage_id, status, lost_reason,
            expected_close_date, budget_status, compelling_event, consequence_if_missed, success_criteria,
            business_value, competitors, strategy, strategy_notes, notes, forecast_category, stage_entered_at,
            created_at, updated_at)
        SELECT %(first_id)s + g.j, 'bench-closed-' || g.j, o.account_id, o.owner_id, 'Closed deal ' || g.j,
               o.amount, 'USD', st.id, CASE WHEN g.won THEN 'won' ELSE 'lost' END,
               CASE WHEN g.won THEN '' ELSE (ARRAY['Price','Went with a competitor','No decision','No budget'])
                    [1 + g.j % 4] END,
               %(as_of)s::date - 8 - ({_hash('g.j', 12)} % 350)::int, 'unknown', '', '', '', '', '["do nothing"]',
               '', '', '', CASE WHEN g.won THEN 'closed' ELSE 'omitted' END, now(), now(), now()
        FROM (SELECT j, {won} AS won FROM generate_series(1, %(closed)s) j) g
        JOIN deals_opportunity o ON o.id = 1 + g.j % %(team_deals)s
        JOIN deals_stage st ON st."order" = CASE WHEN g.won THEN 5 ELSE 2 + {_hash('g.j', 13)} % 4 END""", params)
    step("stage entries", """
        INSERT INTO deals_opportunityfieldchange (opportunity_id, field, old_value, new_value, changed_at)
        SELECT o.id, 'stage', '', s.slug, o.expected_close_date - (130 - 25 * s."order") + time '10:00'
        FROM deals_opportunity o JOIN deals_stage final ON final.id = o.stage_id
        JOIN deals_stage s ON s."order" <= final."order"
        WHERE o.id > %(first_id)s""", params)
    step("close-date moves", f"""
        INSERT INTO deals_opportunityfieldchange (opportunity_id, field, old_value, new_value, changed_at)
        SELECT o.id, 'expected_close_date', (o.expected_close_date - 14 * m - ({_hash('o.id', 14)} % 20)::int)::text,
               (o.expected_close_date - 14 * (m - 1))::text, o.expected_close_date - 30 * m + time '11:00'
        FROM deals_opportunity o, generate_series(1, 2) m
        WHERE o.id > %(first_id)s AND {_hash('o.id', 15)} % 3 >= m""", params)
    team_rows = """FROM deals_opportunity o JOIN deals_stage st ON st.id = o.stage_id, generate_series(0, %(weeks)s - 1) k
        WHERE o.owner_id BETWEEN %(first_rep)s AND %(last_rep)s AND o.deleted_at IS NULL
          AND (o.status = 'open' OR %(monday)s::date - 7 * k BETWEEN o.expected_close_date - 140
                                                              AND o.expected_close_date - 1)"""
    def score(salt: int) -> str:
        return f"(20 + ({_hash('o.id * 53 + k', salt)} % 75))::int"

    step("score snapshots", f"""
        INSERT INTO rsvp_scoresnapshot (opportunity_id, week, overall, relationships, strategy, value, process,
                                        taken_at)
        SELECT o.id, %(monday)s::date - 7 * k, {score(16)}, {score(17)}, {score(18)}, {score(19)}, {score(20)}, now()
        {team_rows}
        ON CONFLICT (opportunity_id, week) DO NOTHING""", params)
    step("pipeline snapshots", f"""
        INSERT INTO review_pipelinesnapshot (week, opportunity_id, owner_id, stage_id, amount, currency, status,
                                             forecast_category, expected_close_date, propensity, taken_at)
        SELECT %(monday)s::date - 7 * k, o.id, o.owner_id, o.stage_id, o.amount, o.currency, 'open',
               CASE WHEN {_hash('o.id + k', 21)} % 4 = 0 THEN 'commit' WHEN st.forecast_category IN ('closed', 'omitted')
                    THEN 'best_case' ELSE st.forecast_category END,
               COALESCE(o.expected_close_date, %(as_of)s::date) - (k % 5) * 7,
               st.probability / 100.0 * (0.5 + ({_hash('o.id', 22)} % 50) / 100.0), now()
        {team_rows}
        ON CONFLICT (week, opportunity_id) DO NOTHING""", params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('deals_opportunity', 'id'), "
                       "(SELECT max(id) FROM deals_opportunity))")
        cursor.execute("ANALYZE deals_opportunity, deals_opportunityfieldchange, rsvp_scoresnapshot, "
                       "review_pipelinesnapshot")
        cursor.execute("SELECT count(*) FROM review_pipelinesnapshot WHERE owner_id BETWEEN %s AND %s",
                       [first_rep, last_rep])
        snapshots = cursor.fetchone()[0]
    progress(f"History loaded in {time.perf_counter() - started:.1f}s")
    return {"closed": closed, "weeks": weeks, "pipeline_snapshots": snapshots}


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """The data-size options, shared with `bench.run`."""
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--stakeholders-per-account", type=int, default=3)
    parser.add_argument("--activities-per-opportunity", type=int, default=2)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--reps-per-team", type=int, default=10)
    parser.add_argument("--team-deals", type=int, default=10_000)
    parser.add_argument("--rep-deals", type=int, default=500, help="open deals of bench_rep_1_1 (of the team's)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_arguments(parser)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    _setup_django()
    generate(accounts=args.accounts, opportunities=args.opportunities,
             stakeholders_per_account=args.stakeholders_per_account,
             activities_per_opportunity=args.activities_per_opportunity, teams=args.teams,
             reps_per_team=args.reps_per_team, team_deals=args.team_deals, rep_deals=args.rep_deals,
             as_of=args.as_of)


if __name__ == "__main__":
    main()
