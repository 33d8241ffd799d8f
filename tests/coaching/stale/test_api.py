"""/api/v1/flags/: visibility, filters, snooze."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from coaching.stale.models import Flag
from coaching.stale.services import flags_sweep
from tests.coaching.stale.helpers import make_deal

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 2)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def swept(clock, alice, charlie):
    clock(TODAY)
    deals = {
        "alice": make_deal(alice, created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 5, 1),
                           last_senior=dt.date(2025, 5, 1), close=dt.date(2025, 5, 30)),
        "charlie": make_deal(charlie, created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 5, 1),
                             last_senior=dt.date(2025, 5, 1)),
    }
    flags_sweep(as_of=TODAY)
    return deals


def _kinds(response):
    return sorted((row["opportunity"], row["kind"]) for row in response.json()["results"])


def test_it_lists_only_flags_on_deals_the_user_can_see(swept, alice, bob, charlie, dave, admin_user):
    alice_deal, charlie_deal = swept["alice"], swept["charlie"]

    mine = client_for(alice).get("/api/v1/flags/")
    assert mine.status_code == 200
    assert {row["opportunity"] for row in mine.json()["results"]} == {alice_deal.id}
    assert {row["opportunity"] for row in client_for(bob).get("/api/v1/flags/").json()["results"]} == {alice_deal.id}
    assert {row["opportunity"] for row in client_for(charlie).get("/api/v1/flags/").json()["results"]} == {
        charlie_deal.id
    }
    assert {row["opportunity"] for row in client_for(admin_user).get("/api/v1/flags/").json()["results"]} == {
        alice_deal.id, charlie_deal.id
    }


def test_it_returns_the_documented_fields(swept, alice):
    row = next(
        r for r in client_for(alice).get("/api/v1/flags/?kind=no_activity").json()["results"]
    )
    assert set(row) >= {"id", "opportunity", "kind", "reason", "raised_at", "cleared_at", "snoozed_until",
                        "snooze_reason"}
    assert row["reason"] == "no activity for 32 days; Evaluate allows 21"
    assert row["status"] == "open" and row["cleared_at"] is None


def test_it_filters_by_kind_opportunity_and_status(swept, alice, admin_user):
    alice_deal = swept["alice"]
    admin = client_for(admin_user)

    by_kind = admin.get("/api/v1/flags/?kind=close_date_passed")
    assert _kinds(by_kind) == [(alice_deal.id, "close_date_passed")]
    by_deal = admin.get(f"/api/v1/flags/?opportunity={alice_deal.id}")
    assert {row["opportunity"] for row in by_deal.json()["results"]} == {alice_deal.id}

    flag = Flag.objects.get(opportunity=alice_deal, kind="no_activity")
    client_for(alice).post(f"/api/v1/flags/{flag.id}/snooze/", {"until": "2025-06-14", "reason": "Board on the 14th"})
    assert [r["id"] for r in admin.get("/api/v1/flags/?status=snoozed").json()["results"]] == [flag.id]
    assert flag.id in [r["id"] for r in admin.get("/api/v1/flags/?status=open").json()["results"]]
    assert admin.get("/api/v1/flags/?status=cleared").json()["results"] == []


@pytest.mark.parametrize("query, field", [
    ("status=stale", "status"), ("kind=rotting", "kind"), ("opportunity=abc", "opportunity"),
])
def test_it_answers_400_naming_a_bad_filter(swept, alice, query, field):
    response = client_for(alice).get(f"/api/v1/flags/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_it_lists_with_a_constant_number_of_queries(swept, alice, admin_user):
    admin = client_for(admin_user)
    with CaptureQueriesContext(connection) as few:
        admin.get("/api/v1/flags/")
    for _ in range(10):
        make_deal(alice, created=dt.date(2025, 1, 1))
    flags_sweep(as_of=TODAY)
    with CaptureQueriesContext(connection) as many:
        response = admin.get("/api/v1/flags/")
    assert len(response.json()["results"]) > 40
    assert len(many) == len(few)


def test_it_pages_with_a_cursor(swept, admin_user):
    admin = client_for(admin_user)
    first = admin.get("/api/v1/flags/?page_size=3").json()
    second = admin.get(first["next"]).json()
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert len(ids) == len(set(ids)) == 6


# --- snooze -----------------------------------------------------------------------------------


def test_a_rep_snoozes_and_the_manager_sees_the_reason_until_it_ends(swept, clock, alice, bob):
    flag = Flag.objects.get(opportunity=swept["alice"], kind="no_activity")

    response = client_for(alice).post(
        f"/api/v1/flags/{flag.id}/snooze/", {"until": "2025-06-14", "reason": "Waiting for the board on the 14th"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "snoozed"

    seen_by_bob = client_for(bob).get("/api/v1/flags/?status=snoozed").json()["results"]
    assert [(r["id"], r["snoozed_until"], r["snooze_reason"]) for r in seen_by_bob] == [
        (flag.id, "2025-06-14", "Waiting for the board on the 14th")
    ]

    clock(dt.date(2025, 6, 14))  # the snooze ends: the flag is open again
    flags_sweep(as_of=dt.date(2025, 6, 14))
    assert client_for(bob).get("/api/v1/flags/?status=snoozed").json()["results"] == []
    row = client_for(bob).get(f"/api/v1/flags/{flag.id}/").json()
    assert (row["status"], row["snooze_reason"]) == ("open", "Waiting for the board on the 14th")


def test_a_manager_can_snooze_and_unsnooze_a_team_flag(swept, bob):
    flag = Flag.objects.get(opportunity=swept["alice"], kind="close_date_passed")
    bob_api = client_for(bob)
    response = bob_api.post(f"/api/v1/flags/{flag.id}/snooze/", {"until": "2025-06-09", "reason": "QBR next week"})
    assert response.status_code == 200
    flag.refresh_from_db()
    assert flag.snoozed_by == bob

    response = bob_api.delete(f"/api/v1/flags/{flag.id}/snooze/")
    assert response.status_code == 200 and response.json()["snoozed_until"] is None


def test_it_hides_other_teams_flags(swept, charlie, dave):
    flag = swept["alice"].flags.first()
    for user in (charlie, dave):
        api = client_for(user)
        assert api.get(f"/api/v1/flags/{flag.id}/").status_code == 404
        assert api.post(f"/api/v1/flags/{flag.id}/snooze/", {"until": "2025-06-09", "reason": "x"}).status_code == 404
    flag.refresh_from_db()
    assert flag.snoozed_until is None


@pytest.mark.parametrize("body, field", [
    ({"until": "2025-06-02", "reason": "board"}, "until"),
    ({"until": "2025-05-01", "reason": "board"}, "until"),
    ({"until": "2026-06-02", "reason": "board"}, "until"),
    ({"until": "14th of June", "reason": "board"}, "until"),
    ({"reason": "board"}, "until"),
    ({"until": "2025-06-09", "reason": "   "}, "reason"),
    ({"until": "2025-06-09"}, "reason"),
    ({"until": "2025-06-09", "reason": "x" * 301}, "reason"),
])
def test_it_refuses_a_bad_snooze_naming_the_field(swept, alice, body, field):
    flag = swept["alice"].flags.first()
    response = client_for(alice).post(f"/api/v1/flags/{flag.id}/snooze/", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert field in response.json()["errors"]
    flag.refresh_from_db()
    assert (flag.snoozed_until, flag.snooze_reason) == (None, "")


def test_it_refuses_to_snooze_a_cleared_flag(swept, alice):
    flag = swept["alice"].flags.first()
    Flag.objects.filter(pk=flag.pk).update(cleared_at=flag.raised_at)
    response = client_for(alice).post(f"/api/v1/flags/{flag.id}/snooze/", {"until": "2025-06-09", "reason": "x"})
    assert response.status_code == 400
    assert "cleared" in response.json()["errors"]["non_field_errors"][0]


def test_the_schema_documents_the_flag_endpoints(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/flags/", "/api/v1/flags/{flag_id}/", "/api/v1/flags/{flag_id}/snooze/"} <= set(paths)
    params = {p["name"] for p in paths["/api/v1/flags/"]["get"]["parameters"]}
    assert {"status", "kind", "opportunity", "cursor"} <= params
