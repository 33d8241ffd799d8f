"""The review page: who may open it, what each manager sees, filters, htmx
fragments, and a query count that does not grow with the team."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.closeplan.services import plan_create_from_template
from coaching.review.services import pipeline_snapshot_take
from deals.services import opportunity_update
from tests.coaching.review.conftest import ANCHORED, LAST_WEEK, QUESTIONS, give_flag, give_score
from tests.coaching.review.helpers import deal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REVIEW = "/review/"


def test_it_shows_a_manager_their_teams_review(client, bob, alice, frozen_today):
    exception = deal(alice, name="Northwind rollout", amount=250000, **ANCHORED)
    give_score(exception, p=20)
    client.force_login(bob)

    response = client.get(REVIEW)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Team totals" in body and "Northwind rollout" in body
    assert QUESTIONS["process"] in body
    assert response.context["review"].totals.main.by_category["pipeline"].amount == 250000


def test_it_lands_managers_on_the_review(client, bob, frozen_today):
    client.force_login(bob)
    assert client.get("/").url == REVIEW


def test_it_shows_a_manager_nothing_of_another_team(client, bob, alice, dave, charlie, north, frozen_today):
    deal(alice, name="Alice secret deal")
    deal(charlie, name="Charlie deal")
    client.force_login(dave)

    body = client.get(REVIEW).content.decode()

    assert "Charlie deal" in body
    assert "Alice secret deal" not in body
    assert client.get(REVIEW, {"team": north.pk}).status_code == 404


def test_it_refuses_reps(client, alice, frozen_today):
    client.force_login(alice)
    assert client.get(REVIEW).status_code == 404
    assert client.get("/review/queue/").status_code == 404


def test_it_sends_strangers_to_log_in(client):
    response = client.get(REVIEW)
    assert response.status_code == 302 and "/login/" in response.url


def test_it_lets_an_admin_choose_a_team(client, admin_user, alice, charlie, south, frozen_today):
    deal(alice, name="Alice deal")
    deal(charlie, name="Charlie deal")
    client.force_login(admin_user)

    body = client.get(REVIEW, {"team": south.pk}).content.decode()

    assert "Charlie deal" in body and "Alice deal" not in body
    assert 'name="team"' in body


def test_it_tells_a_manager_without_a_team(client, frozen_today):
    lonely = UserFactory(username="lonely", role="manager")
    client.force_login(lonely)
    response = client.get(REVIEW)
    assert response.status_code == 200 and "don't manage a team" in response.content.decode()


def test_it_filters_by_rep_stage_category_and_flag(client, bob, alice, north, frozen_today):
    erin = UserFactory(username="erin", role="rep", team=north)
    deal(alice, name="Alpha", stage_slug="evaluate", forecast_category="commit")
    give_flag(deal(alice, name="Bravo", stage_slug="discover"), "decaying")
    deal(erin, name="Charlie", stage_slug="evaluate")
    client.force_login(bob)

    def heatmap(**params):
        return [row.opportunity.name for row in client.get(REVIEW, params).context["review"].heatmap.rows]

    assert sorted(heatmap()) == ["Alpha", "Bravo", "Charlie"]
    assert sorted(heatmap(rep=alice.pk)) == ["Alpha", "Bravo"]
    assert sorted(heatmap(stage="evaluate")) == ["Alpha", "Charlie"]
    assert heatmap(category="commit") == ["Alpha"]
    assert heatmap(flag="decaying") == ["Bravo"]
    # A rep of another team is not a valid filter: reported, ignored.
    response = client.get(REVIEW, {"rep": 999999})
    assert response.status_code == 200 and response.context["scope"].form.errors


def test_it_returns_fragments_to_htmx(client, bob, alice, frozen_today):
    for amount in range(1, 4):
        deal(alice, name=f"Deal {amount}", amount=amount)
    client.force_login(bob)

    body = client.get(REVIEW, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="review-body").content.decode()
    more = client.get("/review/queue/", {"offset": 2}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in body and "Team totals" in body
    assert "<html" not in more and "Deal 1" in more and "Deal 3" not in more


def _pipeline(alice, size: int) -> None:
    """`size` deals with everything the page shows: scores, flags (some
    snoozed), close plans, history, last week's snapshot, two currencies."""
    for index in range(size):
        d = deal(alice, amount=1000 * (index + 1), currency="EUR" if index % 4 == 0 else "USD",
                 **(ANCHORED if index % 2 else {}))
        give_score(d, r=20 + index % 80)
        give_flag(d, "no_activity", snoozed_until=dt.date(2025, 6, 30) if index % 3 == 0 else None,
                  snooze_reason="Customer on holiday" if index % 3 == 0 else "", snoozed_by=alice)
        if index % 5 == 0:
            plan_create_from_template(actor=alice, opportunity=d, go_live_date=dt.date(2025, 8, 1))
    pipeline_snapshot_take(week=LAST_WEEK)
    for d in list(alice.opportunities.all()[: max(1, size // 3)]):
        opportunity_update(actor=alice, opportunity=d, data={"expected_close_date": dt.date(2025, 12, 24)})


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: no test savepoints around writes
@pytest.mark.parametrize("size", [3, 40])
def test_it_runs_a_constant_number_of_queries(
    default_stages, client, bob, alice, frozen_today, size, django_assert_max_num_queries
):
    _pipeline(alice, size)
    client.force_login(bob)
    client.get(REVIEW)  # warm the stage cache

    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(10):
        response = client.get(REVIEW)

    assert response.status_code == 200
    assert len(response.context["review"].heatmap.rows) == size
    # session, user, team members, totals, changes, slips per week, queue + heatmap;
    # then the session is saved (BEGIN, UPDATE, COMMIT: SESSION_SAVE_EVERY_REQUEST)
    assert len(queries) == 10, "\n".join(q["sql"][:120] for q in queries)
