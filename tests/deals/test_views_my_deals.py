"""My deals (/deals/): filters, sort, search, pagination, empty states, query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from deals import panels
from deals.models import Stage
from tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
URL = reverse("deals:my_deals")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


def names(response) -> list[str]:
    return [deal.name for deal in response.context["deals"]]


def deal(owner, name, **fields):
    return OpportunityFactory(account=AccountFactory(owner=owner, name=fields.pop("account_name", f"{name} Inc")),
                              name=name, **fields)


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_only_the_reps_own_deals(client, alice, alice_deal, charlie_deal):
    client.force_login(alice)
    response = client.get(URL)
    assert names(response) == ["Northwind rollout"]
    assert b"Southwind" not in response.content


def test_it_shows_the_manager_the_team_and_filters_by_rep(client, alice, bob, alice_deal, charlie_deal):
    bobs = deal(bob, "Bob's own")
    client.force_login(bob)
    assert sorted(names(client.get(URL))) == ["Bob's own", "Northwind rollout"]
    assert names(client.get(URL, {"owner": alice.pk})) == ["Northwind rollout"]
    assert names(client.get(URL, {"owner": bobs.owner_id})) == ["Bob's own"]


def test_it_ignores_a_rep_filter_for_someone_outside_the_team(client, bob, alice_deal, charlie_deal):
    client.force_login(bob)
    # Filtering by another team's rep does not reveal their deals; the filter is dropped.
    assert names(client.get(URL, {"owner": charlie_deal.owner_id})) == ["Northwind rollout"]


def test_it_filters_by_stage_status_and_forecast(client, alice):
    deal(alice, "Early", stage=Stage.objects.get(slug="qualify"))
    deal(alice, "Late", stage=Stage.objects.get(slug="negotiate"), forecast_category="commit")
    deal(alice, "Won one", status="won", forecast_category="closed")
    client.force_login(alice)
    assert sorted(names(client.get(URL))) == ["Early", "Late"]  # open by default
    assert names(client.get(URL, {"stage": "qualify"})) == ["Early"]
    assert names(client.get(URL, {"status": "won"})) == ["Won one"]
    assert names(client.get(URL, {"forecast": "commit"})) == ["Late"]
    assert len(names(client.get(URL, {"status": "all"}))) == 3


def test_it_searches_deal_and_account_names(client, alice):
    deal(alice, "Rollout", account_name="Contoso")
    deal(alice, "Pilot", account_name="Fabrikam")
    client.force_login(alice)
    assert names(client.get(URL, {"q": "roll"})) == ["Rollout"]
    assert names(client.get(URL, {"q": "fabri"})) == ["Pilot"]


def test_it_sorts_by_amount_close_date_stage_and_updated(client, alice):
    a = deal(alice, "A", amount=Decimal("300"), expected_close_date=TODAY + timedelta(days=30),
             stage=Stage.objects.get(slug="propose"))
    b = deal(alice, "B", amount=Decimal("100"), expected_close_date=TODAY + timedelta(days=10),
             stage=Stage.objects.get(slug="qualify"))
    c = deal(alice, "C", amount=Decimal("200"), expected_close_date=None, stage=Stage.objects.get(slug="evaluate"))
    client.force_login(alice)
    assert names(client.get(URL, {"sort": "amount"})) == ["B", "C", "A"]
    assert names(client.get(URL, {"sort": "-amount"})) == ["A", "C", "B"]
    assert names(client.get(URL, {"sort": "close"})) == ["B", "A", "C"]  # no date sorts last
    assert names(client.get(URL, {"sort": "stage"})) == ["B", "C", "A"]
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        b.save()
    assert names(client.get(URL, {"sort": "-updated"}))[0] == "B"
    assert {a.pk, c.pk} <= {d.pk for d in client.get(URL, {"sort": "-updated"}).context["deals"]}


def test_it_falls_back_to_defaults_on_a_bad_query_string(client, alice, alice_deal):
    client.force_login(alice)
    response = client.get(URL, {"sort": "password", "stage": "nope", "status": "x", "page": "abc"})
    assert response.status_code == 200
    assert names(response) == ["Northwind rollout"]


def test_it_paginates(client, alice):
    account = AccountFactory(owner=alice)
    for i in range(30):
        OpportunityFactory(account=account, name=f"Deal {i:02d}", amount=Decimal(i))
    client.force_login(alice)
    first = client.get(URL, {"sort": "amount"})
    assert len(names(first)) == 25
    assert b"Page 1 of 2" in first.content
    second = client.get(URL, {"sort": "amount", "page": 2})
    assert names(second) == [f"Deal {i:02d}" for i in range(25, 30)]
    assert b'page=1' in second.content


def test_it_says_what_to_do_when_there_are_no_deals(client, alice):
    client.force_login(alice)
    content = client.get(URL).content.decode()
    assert "No deals yet — press <kbd>N</kbd> or click" in content
    assert reverse("deals:quick_add") in content


def test_it_says_when_filters_match_nothing(client, alice, alice_deal):
    client.force_login(alice)
    content = client.get(URL, {"q": "zzz"}).content.decode()
    assert "No deals match these filters" in content


def test_it_returns_the_table_fragment_to_htmx(client, alice, alice_deal):
    client.force_login(alice)
    response = client.get(URL, {"q": "north"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="deal-list")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="deal-list"')
    assert "<html" not in content
    assert "Northwind rollout" in content


def test_it_renders_registered_coaching_columns_and_filters(client, alice, alice_deal):
    other = deal(alice, "Other")
    panels.register_list_column(panels.DealListColumn(
        key="test_col", label="Test column", template="deals/_partials/text_cell.html",
        cells=lambda *, user, opportunities, as_of: {o.pk: {"text": f"cell-{o.name}"} for o in opportunities},
    ))
    panels.register_list_filter(panels.DealListFilter(
        key="only", label="Only", choices=[("other", "Other")],
        apply=lambda qs, value: qs.filter(name="Other") if value == "other" else qs,
    ))
    try:
        client.force_login(alice)
        content = client.get(URL).content.decode()
        assert "Test column" in content and "cell-Northwind rollout" in content
        assert [d.pk for d in client.get(URL, {"only": "other"}).context["deals"]] == [other.pk]
    finally:
        panels.unregister("test_col")
        panels.unregister("only")


def test_it_shows_placeholders_when_no_coaching_app_registered(client, alice, alice_deal, monkeypatch):
    monkeypatch.setattr(panels, "_registry", panels._Registry())
    client.force_login(alice)
    response = client.get(URL)
    assert [c.label for c in response.context["columns"]] == ["RSVP", "Sign by · next milestone", "Flags"]
    assert response.status_code == 200


def _create_deals(owner, count):
    account = AccountFactory(owner=owner)
    for i in range(count):
        OpportunityFactory(account=account, name=f"Deal {i}")


@pytest.mark.parametrize("user_name", ["alice", "bob"])
def test_it_runs_a_constant_number_of_queries(client, request, django_assert_max_num_queries, user_name):
    user = request.getfixturevalue(user_name)
    alice = request.getfixturevalue("alice")
    client.force_login(user)
    _create_deals(alice, 5)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    _create_deals(alice, 45)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert len(response.context["deals"]) == 25
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL, {"sort": "-amount", "q": "Deal", "stage": "discover"})


def test_it_sorts_by_a_registered_coaching_column(client, alice):
    from django.db.models import F

    deal(alice, "Small", amount=Decimal("1"))
    deal(alice, "Big", amount=Decimal("9"))
    panels.register_list_column(panels.DealListColumn(
        key="test_sort", label="Test score", template="deals/_partials/text_cell.html",
        cells=lambda *, user, opportunities, as_of: {}, sort=lambda qs: qs.annotate(sort_test_sort=F("amount")),
    ))
    try:
        client.force_login(alice)
        response = client.get(URL, {"sort": "-test_sort"})
        assert names(response) == ["Big", "Small"]
        assert 'value="-test_sort" selected' in response.content.decode()
    finally:
        panels.unregister("test_sort")
