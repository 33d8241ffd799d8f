"""The changes feed: GET /api/v1/changes/?since=<cursor>."""

from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from dealcoach.models import User
from deals.models import Opportunity
from deals.services import opportunity_soft_delete, opportunity_update
from sync.changes import changes_prune, changes_record
from sync.models import ChangeLogEntry
from sync.selectors import ChangeCursor, changes_for_user
from tests.api.conftest import client_for
from tests.factories import ActivityFactory, OpportunityFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"


def read_all(client, since=""):
    response = client.get(URL, {"since": since})
    assert response.status_code == 200, response.content
    return response.json()


def entries_of(body, resource):
    return [(e["id"], e["action"]) for e in body["results"] if e["resource"] == resource]


def test_it_serves_a_deleted_opportunity_as_a_tombstone_and_advances_the_cursor(alice, alice_deal):
    alice_deal.external_id = "SF-006A"
    alice_deal.save()
    client = client_for(alice)
    first = read_all(client)
    assert (alice_deal.id, "upsert") in entries_of(first, "opportunity")
    assert first["has_more"] is False

    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        opportunity_soft_delete(actor=alice, opportunity=alice_deal)
    second = read_all(client, first["next_cursor"])

    assert ChangeCursor.parse(second["next_cursor"]) > ChangeCursor.parse(first["next_cursor"])
    [tombstone] = second["results"]
    assert tombstone["resource"] == "opportunity"
    assert tombstone["id"] == alice_deal.id
    assert tombstone["external_id"] == "SF-006A"
    assert tombstone["action"] == "delete"
    assert tombstone["deleted_at"] == "2026-03-02T10:00:00Z"
    third = read_all(client, second["next_cursor"])
    assert third == {"results": [], "next_cursor": second["next_cursor"], "has_more": False}


def test_it_hides_other_teams_changes(alice, bob, charlie, dave, alice_deal, charlie_deal):
    assert entries_of(read_all(client_for(alice)), "opportunity") == [(alice_deal.id, "upsert")]
    assert entries_of(read_all(client_for(bob)), "opportunity") == [(alice_deal.id, "upsert")]
    assert entries_of(read_all(client_for(charlie)), "opportunity") == [(charlie_deal.id, "upsert")]
    dave_sees = read_all(client_for(dave))
    assert entries_of(dave_sees, "opportunity") == [(charlie_deal.id, "upsert")]
    assert entries_of(dave_sees, "account") == [(charlie_deal.account_id, "upsert")]


def test_it_records_stakeholders_activities_and_deal_role_changes(alice, alice_deal):
    client = client_for(alice)
    start = read_all(client)["next_cursor"]
    person = StakeholderFactory(account=alice_deal.account)
    activity = ActivityFactory(opportunity=alice_deal, stakeholders=[person])
    body = read_all(client, start)
    assert (person.id, "upsert") in entries_of(body, "stakeholder")
    assert (activity.id, "upsert") in entries_of(body, "activity")


def test_it_records_writes_that_bypass_save_through_changes_record(alice, alice_deal):
    client = client_for(alice)
    start = read_all(client)["next_cursor"]
    Opportunity.objects.filter(pk=alice_deal.pk).update(name="Renamed in bulk")
    assert read_all(client, start)["results"] == []

    assert changes_record(resource="opportunity", ids=[alice_deal.pk]) == 1

    assert entries_of(read_all(client, start), "opportunity") == [(alice_deal.id, "upsert")]


def test_it_pages_with_has_more(alice):
    deals = OpportunityFactory.create_batch(3, account__owner=alice)
    client = client_for(alice)
    pages, since = [], ""
    while not pages or pages[-1]["has_more"]:
        pages.append(client.get(URL, {"limit": 2, "since": since}).json())
        since = pages[-1]["next_cursor"]
    assert [len(p["results"]) for p in pages] == [2, 2, 2]  # an account and a deal each
    seen = [e["id"] for p in pages for e in p["results"] if e["resource"] == "opportunity"]
    assert seen == [d.id for d in deals]


def test_it_refuses_a_malformed_cursor_or_limit(alice):
    client = client_for(alice)
    response = client.get(URL, {"since": "yesterday"})
    assert response.status_code == 400
    assert "since" in response.json()["errors"]
    assert client.get(URL, {"limit": "0"}).status_code == 400
    assert client.get(URL, {"limit": "many"}).json()["errors"] == {"limit": ["A whole number from 1 to 500."]}


def test_it_keeps_changes_30_days_then_answers_410_for_a_pruned_cursor(alice, alice_deal):
    client = client_for(alice)
    cursor = read_all(client)["next_cursor"]
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert changes_prune() == 0
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        assert changes_prune() > 0
    response = client.get(URL, {"since": cursor})
    assert response.status_code == 410
    assert "updated_since" in response.json()["detail"]


def test_it_refuses_anonymous_callers(db):
    assert APIClient().get(URL).status_code in (401, 403)


def test_it_records_an_owner_change_under_the_new_owner(alice, bob, alice_deal):
    opportunity_update(actor=bob, opportunity=alice_deal, data={"owner": bob})
    last = ChangeLogEntry.objects.filter(resource="opportunity").latest("id")
    assert last.owner_id == bob.id


# --- Concurrent writers ------------------------------------------------------------------

def _raw_connection():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


def _insert_entry(raw, object_id: int) -> None:
    raw.execute(
        "INSERT INTO sync_changelogentry (txid, resource, object_id, action, at) "
        "VALUES (txid_current(), 'opportunity', %s, 'upsert', now())",
        [object_id],
    )


def test_it_does_not_serve_past_a_transaction_still_running():
    """Writer A takes the smaller id and commits last; the feed must not move
    its cursor past A's entry while A is still open."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL transaction ids")
    admin = User(username="feed-admin", role="admin", is_superuser=True)  # unsaved: no write in this test
    slow, fast, cleanup = _raw_connection(), _raw_connection(), _raw_connection()
    cleanup.autocommit = True
    try:
        _insert_entry(slow, 900001)             # open, not committed
        _insert_entry(fast, 900002)
        fast.commit()                           # committed first

        page = changes_for_user(user=admin, since=ChangeCursor(0, 0))
        assert [e.object_id for e in page.entries] == []

        slow.commit()
        page = changes_for_user(user=admin, since=ChangeCursor(0, 0))
        assert [e.object_id for e in page.entries] == [900001, 900002]
    finally:
        cleanup.execute("DELETE FROM sync_changelogentry WHERE object_id IN (900001, 900002)")
        for raw in (slow, fast, cleanup):
            raw.close()


def test_it_records_bulk_upserts(alice):
    from sync.upsert.accounts import accounts_upsert

    client = client_for(alice)
    start = read_all(client)["next_cursor"]
    [result] = accounts_upsert(actor=alice, items=[{"external_id": "BULK-1", "name": "Bulk Co"}])
    body = read_all(client, start)
    assert [(e["resource"], e["id"], e["external_id"]) for e in body["results"]] == [
        ("account", result.id, "BULK-1")
    ]
