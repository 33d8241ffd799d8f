"""Filters, ordering, cursor pagination and a constant number of queries per page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import (
    AccountFactory,
    ActivityFactory,
    DealRoleFactory,
    OpportunityFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_it_filters_opportunities(api_as, alice, bob):
    account = AccountFactory(owner=alice)
    a = OpportunityFactory(account=account, owner=alice, status="won", lost_reason="")
    b = OpportunityFactory(account=AccountFactory(owner=bob), owner=bob, forecast_category="commit")
    client = api_as(bob)
    assert ids(client.get("/api/v1/opportunities/", {"owner": alice.id})) == [a.id]
    assert ids(client.get("/api/v1/opportunities/", {"account": account.id})) == [a.id]
    assert ids(client.get("/api/v1/opportunities/", {"status": "won"})) == [a.id]
    assert ids(client.get("/api/v1/opportunities/", {"forecast_category": "commit"})) == [b.id]
    assert sorted(ids(client.get("/api/v1/opportunities/", {"stage": "discover"}))) == sorted([a.id, b.id])
    assert ids(client.get("/api/v1/opportunities/", {"stage": "negotiate"})) == []


def test_it_pulls_changes_with_updated_since(api_as, alice):
    account = AccountFactory(owner=alice)
    with time_machine.travel(START, tick=False):
        old = OpportunityFactory(account=account)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        new = OpportunityFactory(account=account)
    client = api_as(alice)
    since = (START + timedelta(hours=1)).isoformat()
    assert ids(client.get("/api/v1/opportunities/", {"updated_since": since})) == [new.id]
    assert ids(client.get("/api/v1/opportunities/")) == [old.id, new.id]


@pytest.mark.parametrize("params", [
    {"updated_since": "yesterday"}, {"status": "maybe"}, {"owner": "me"}, {"page_size": "0"},
    {"page_size": "501"}, {"ordering": "amount"},
])
def test_it_answers_400_for_a_bad_query_parameter(api_as, alice, params):
    response = api_as(alice).get("/api/v1/opportunities/", params)
    assert response.status_code == 400
    assert list(params)[0] in response.json()["errors"]


def test_it_orders_and_breaks_ties_by_id(api_as, alice):
    account = AccountFactory(owner=alice)
    with time_machine.travel(START, tick=False):
        deals = [OpportunityFactory(account=account) for _ in range(3)]
    client = api_as(alice)
    assert ids(client.get("/api/v1/opportunities/", {"ordering": "-updated_at"})) == [d.id for d in reversed(deals)]
    assert ids(client.get("/api/v1/opportunities/", {"ordering": "created_at"})) == [d.id for d in deals]


def test_it_pages_through_every_row_once_with_the_cursor(api_as, alice):
    account = AccountFactory(owner=alice)
    made = []
    for n in range(7):
        with time_machine.travel(START + timedelta(minutes=n // 2), tick=False):  # ties on updated_at
            made.append(OpportunityFactory(account=account).id)
    client = api_as(alice)
    seen, url = [], "/api/v1/opportunities/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == made


def test_it_lists_with_a_constant_number_of_queries(api_as, alice, django_assert_max_num_queries):
    account = AccountFactory(owner=alice)
    for _ in range(30):
        deal = OpportunityFactory(account=account)
        DealRoleFactory(opportunity=deal)
        DealRoleFactory(opportunity=deal, role="coach")
        ActivityFactory(opportunity=deal, stakeholders=[StakeholderFactory(account=account)])
    client = api_as(alice)
    client.get("/api/v1/stages/")  # token's last_used_at written now, not during the counted requests
    for path in ("opportunities", "activities", "accounts", "stakeholders"):
        with django_assert_max_num_queries(10):
            response = client.get(f"/api/v1/{path}/?page_size=500")
        assert response.status_code == 200 and len(response.json()["results"]) >= 1
