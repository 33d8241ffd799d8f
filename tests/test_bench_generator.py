"""The benchmark generator is deterministic and respects the visibility model."""

from datetime import date

import pytest

from bench.generate import generate
from dealcoach.models import User
from deals.models import Activity, DealRole, Opportunity
from deals.selectors import opportunities_visible_to

pytestmark = pytest.mark.django_db


def load():
    return generate(accounts=60, opportunities=500, stakeholders_per_account=3, activities_per_opportunity=2,
                    teams=3, reps_per_team=4, team_deals=120, rep_deals=30, as_of=date(2026, 11, 2),
                    progress=lambda *_: None)


def test_it_loads_the_requested_sizes():
    counts = load()
    assert Opportunity.objects.count() == counts["opportunities"] == 500
    assert Activity.objects.count() == 1000
    assert DealRole.objects.count() == 1000
    assert Opportunity.objects.filter(last_activity_at__isnull=True).count() == 0


def test_it_gives_the_benchmarked_manager_exactly_the_team_deals():
    load()
    manager = User.objects.get(username="bench_mgr_1")
    assert opportunities_visible_to(manager).count() == 120
    deal = opportunities_visible_to(manager).select_related("account").first()
    assert deal.account.owner.team_id == manager.team_id


def test_it_gives_the_benchmarked_rep_exactly_the_rep_deals():
    load()
    rep = User.objects.get(username="bench_rep_1_1")
    assert opportunities_visible_to(rep).count() == 30
    others = User.objects.filter(team_id=rep.team_id, role="rep").exclude(pk=rep.pk)
    assert sorted(opportunities_visible_to(other).count() for other in others) == [30, 30, 30]


def test_it_is_deterministic():
    load()
    first = list(Opportunity.objects.order_by("id").values_list("amount", "stage_id", "account_id")[:50])
    from django.db import connection

    with connection.cursor() as cursor:
        # CASCADE also empties every table that points at these (roles, activities, coaching rows).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE deals_opportunity, accounts_account, dealcoach_user, dealcoach_team CASCADE")
    load()
    assert list(Opportunity.objects.order_by("id").values_list("amount", "stage_id", "account_id")[:50]) == first


def test_it_stores_the_engagement_dates_its_activities_imply():
    load()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM deals_opportunity o
            LEFT JOIN (
                SELECT a.opportunity_id, max(a.occurred_at) AS last_at,
                       max(a.occurred_at) FILTER (WHERE s.seniority IN ('c_level', 'vp', 'director')) AS senior_at
                FROM deals_activity a
                JOIN deals_activity_stakeholders p ON p.activity_id = a.id
                JOIN accounts_stakeholder s ON s.id = p.stakeholder_id
                GROUP BY a.opportunity_id
            ) x ON x.opportunity_id = o.id
            WHERE o.last_activity_at IS DISTINCT FROM x.last_at
               OR o.last_senior_engagement_at IS DISTINCT FROM x.senior_at""")
        assert cursor.fetchone()[0] == 0
    assert Opportunity.objects.filter(last_senior_engagement_at__isnull=False).exists()


def test_it_gives_the_benchmarked_team_a_year_of_insights_history(client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.generate import generate_insights_history
    from coaching.review.models import PipelineSnapshot
    from coaching.review.selectors import STAGES_CACHE_KEY

    load()
    history = generate_insights_history(teams=3, reps_per_team=4, team_deals=120, closed=60,
                                        as_of=date(2026, 11, 2), progress=lambda *_: None)
    assert Opportunity.objects.filter(external_id__startswith="bench-closed-").exclude(status="open").count() == 60
    manager = User.objects.get(username="bench_mgr_1")
    assert PipelineSnapshot.objects.filter(owner__team=manager.team).count() == history["pipeline_snapshots"] > 120 * 52
    client.force_login(manager)
    cache.delete(STAGES_CACHE_KEY)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/insights/", {"from": "2025-11-01", "to": "2026-11-02"})
    assert response.status_code == 200
    assert len(captured.captured_queries) <= 12  # the bench's target, cold
