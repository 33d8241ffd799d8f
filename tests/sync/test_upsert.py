"""Upsert by external id, bulk upsert and optimistic concurrency."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Account, Stakeholder
from deals.models import Activity, DealRole, Opportunity, OpportunityFieldChange
from tests.api.conftest import client_for
from tests.factories import AccountFactory, OpportunityFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_it_upserts_twice_into_one_row_201_then_200(api_as, alice):
    AccountFactory(owner=alice, external_id="ACC-1")
    client = api_as(alice)
    first = client.put("/api/v1/opportunities/external/OPP-1/", {"account_external_id": "ACC-1", "name": "Deal"})
    assert first.status_code == 201, first.json()
    second = client.put("/api/v1/opportunities/external/OPP-1/", {"amount": "10.00"})
    assert second.status_code == 200, second.json()
    assert first.json()["id"] == second.json()["id"]
    assert Opportunity.objects.filter(external_id="OPP-1").count() == 1
    assert second.json()["amount"] == "10.00" and second.json()["name"] == "Deal"


def test_it_answers_409_for_the_external_id_of_a_deleted_row(api_as, alice):
    deal = OpportunityFactory(account=AccountFactory(owner=alice), external_id="GONE-1")
    deal.mark_deleted()
    deal.save()
    response = api_as(alice).put("/api/v1/opportunities/external/GONE-1/", {"name": "Back"})
    assert response.status_code == 409
    assert "deleted" in response.json()["detail"]
    deal.refresh_from_db()
    assert deal.deleted_at is not None and deal.name != "Back"


def test_it_answers_409_taken_for_the_external_id_of_another_teams_row(api_as, alice, charlie):
    deal = OpportunityFactory(account=AccountFactory(owner=charlie), external_id="THEIRS", name="Secret pilot")
    response = api_as(alice).put("/api/v1/opportunities/external/THEIRS/", {"name": "Mine now"})
    assert response.status_code == 409 and response.json()["code"] == "external_id_taken"
    assert "Secret" not in response.content.decode() and "charlie" not in response.content.decode().lower()
    deal.refresh_from_db()
    assert deal.name != "Mine now"


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_row_from_ten_concurrent_upserts_of_one_external_id(default_stages, alice):
    account = AccountFactory(owner=alice, external_id="ACC-C")
    clients = [client_for(alice) for _ in range(10)]
    barrier = threading.Barrier(10)
    statuses = []

    def upsert(client):
        try:
            barrier.wait()
            response = client.put("/api/v1/opportunities/external/RACE/", {
                "account": account.id, "name": "Race", "amount": "1.00",
            })
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upsert, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Opportunity.objects.filter(external_id="RACE").count() == 1
    assert sorted(statuses) == sorted([201] + [200] * 9), statuses


def test_it_bulk_upserts_saving_good_items_and_reporting_bad_ones_by_index(api_as, alice):
    account = AccountFactory(owner=alice, external_id="ACC-B")
    existing = OpportunityFactory(account=account, owner=alice, external_id="B-2", amount="1.00")
    response = api_as(alice).post("/api/v1/opportunities/bulk-upsert/", {"items": [
        {"external_id": "B-1", "account_external_id": "ACC-B", "name": "New", "stage": "qualify"},
        {"external_id": "B-2", "amount": "2.00"},
        {"external_id": "B-3", "account_external_id": "ACC-B", "name": "Bad", "amount": "lots"},
        {"external_id": "B-4", "name": "No account"},
        {"external_id": "B-1", "account_external_id": "ACC-B", "name": "Again"},
        {"external_id": "B-2", "amount": "2.00"},
    ]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r["result"] for r in results] == ["created", "updated", "error", "error", "error", "error"]
    assert "amount" in results[2]["errors"] and "account" in results[3]["errors"]
    assert "item 0" in results[4]["errors"]["external_id"][0]
    assert "item 1" in results[5]["errors"]["external_id"][0]
    assert results[1]["id"] == existing.id
    assert set(Opportunity.objects.values_list("external_id", flat=True)) == {"B-1", "B-2"}
    existing.refresh_from_db()
    assert str(existing.amount) == "2.00"
    assert OpportunityFieldChange.objects.filter(opportunity=existing, field="amount", new_value="2.00").exists()


def test_it_reports_unchanged_items_without_touching_them(api_as, alice):
    account = AccountFactory(owner=alice, external_id="ACC-U")
    client = api_as(alice)
    item = {"external_id": "U-1", "account_external_id": "ACC-U", "name": "Same", "amount": "3.00"}
    assert client.post("/api/v1/opportunities/bulk-upsert/", {"items": [item]}).json()["results"][0]["result"] == "created"
    before = Opportunity.objects.get(external_id="U-1").updated_at
    again = client.post("/api/v1/opportunities/bulk-upsert/", {"items": [item]}).json()["results"][0]
    assert again["result"] == "unchanged"
    assert Opportunity.objects.get(external_id="U-1").updated_at == before
    assert account.opportunities.count() == 1


def test_it_stamps_the_rows_it_writes_with_the_time_of_the_write(api_as, alice):
    """created_at / updated_at are set by the write itself (one timestamp per write), which is what
    `?updated_since=` readers and the sync cursor rely on; a locked deal's old updated_at is never read."""
    AccountFactory(owner=alice, external_id="ACC-T")
    client = api_as(alice)
    first = timezone.now().replace(microsecond=0) + timedelta(days=1)
    with time_machine.travel(first, tick=False):
        answer = client.post("/api/v1/opportunities/bulk-upsert/", {"items": [
            {"external_id": f"T-{n}", "account_external_id": "ACC-T", "name": f"Deal {n}"} for n in (1, 2)
        ]})
    assert [r["result"] for r in answer.json()["results"]] == ["created", "created"]
    with time_machine.travel(first + timedelta(hours=1), tick=False):
        answer = client.post("/api/v1/opportunities/bulk-upsert/", {"items": [{"external_id": "T-1", "name": "Renamed"}]})
    assert answer.json()["results"][0]["result"] == "updated"
    stamps = dict(Opportunity.objects.filter(external_id__startswith="T-").values_list("external_id", "created_at"))
    assert stamps == {"T-1": first, "T-2": first}
    updated = dict(Opportunity.objects.filter(external_id__startswith="T-").values_list("external_id", "updated_at"))
    assert updated == {"T-1": first + timedelta(hours=1), "T-2": first}


def test_it_bulk_writes_roles_by_stakeholder_external_id(api_as, alice):
    account = AccountFactory(owner=alice, external_id="ACC-R")
    StakeholderFactory(account=account, external_id="P-1")
    StakeholderFactory(account=account, external_id="P-2")
    client = api_as(alice)
    body = {"items": [{"external_id": "R-1", "account_external_id": "ACC-R", "name": "Roles", "roles": [
        {"stakeholder_external_id": "P-1", "role": "economic_buyer", "stance": "advocate"},
        {"stakeholder_external_id": "P-2", "role": "blocker"},
    ]}]}
    assert client.post("/api/v1/opportunities/bulk-upsert/", body).json()["results"][0]["result"] == "created"
    deal = Opportunity.objects.get(external_id="R-1")
    assert sorted(deal.roles.values_list("role", flat=True)) == ["blocker", "economic_buyer"]
    body["items"][0]["roles"] = body["items"][0]["roles"][:1]
    assert client.post("/api/v1/opportunities/bulk-upsert/", body).json()["results"][0]["result"] == "updated"
    assert list(DealRole.objects.filter(opportunity=deal).values_list("role", flat=True)) == ["economic_buyer"]


def test_it_refuses_more_than_1000_items_with_413(api_as, alice):
    response = api_as(alice).post("/api/v1/accounts/bulk-upsert/", {
        "items": [{"external_id": f"X{i}", "name": "n"} for i in range(1001)]
    })
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]
    assert not Account.objects.exists()


def test_it_bulk_upserts_accounts_stakeholders_with_an_org_chart_and_activities(api_as, alice):
    client = api_as(alice)
    accounts = client.post("/api/v1/accounts/bulk-upsert/", {"items": [{"external_id": "A", "name": "Acme"}]})
    assert accounts.json()["results"][0]["result"] == "created"
    people = client.post("/api/v1/stakeholders/bulk-upsert/", {"items": [
        {"external_id": "S-2", "account_external_id": "A", "name": "Report", "reports_to_external_id": "S-1"},
        {"external_id": "S-1", "account_external_id": "A", "name": "Boss", "seniority": "c_level"},
    ]}).json()["results"]
    assert [r["result"] for r in people] == ["created", "created"], people
    boss = Stakeholder.objects.get(external_id="S-1")
    assert Stakeholder.objects.get(external_id="S-2").reports_to == boss
    cycle = client.post("/api/v1/stakeholders/bulk-upsert/", {"items": [
        {"external_id": "S-1", "reports_to_external_id": "S-2"},
    ]}).json()["results"][0]
    assert cycle["result"] == "error" and "reports_to" in cycle["errors"]
    deals = client.post("/api/v1/opportunities/bulk-upsert/", {"items": [
        {"external_id": "D", "account_external_id": "A", "name": "Deal"},
    ]}).json()["results"]
    assert deals[0]["result"] == "created"
    logged = client.post("/api/v1/activities/bulk-upsert/", {"items": [
        {"external_id": "ACT-1", "opportunity_external_id": "D", "kind": "call", "summary": "Hello",
         "occurred_at": "2026-01-02T10:00:00+01:00", "stakeholder_external_ids": ["S-1"]},
    ]}).json()["results"]
    assert logged[0]["result"] == "created", logged
    activity = Activity.objects.get(external_id="ACT-1")
    assert list(activity.stakeholders.all()) == [boss]
    deal = Opportunity.objects.get(external_id="D")
    assert deal.last_activity_at == activity.occurred_at and deal.last_senior_engagement_at == activity.occurred_at


def test_it_answers_412_for_a_stale_if_match_and_changes_nothing(api_as, alice, alice_deal):
    client = api_as(alice)
    etag = client.get(f"/api/v1/opportunities/{alice_deal.id}/")["ETag"]
    first = client.patch(f"/api/v1/opportunities/{alice_deal.id}/", {"name": "First"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale = client.patch(f"/api/v1/opportunities/{alice_deal.id}/", {"name": "Second"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert client.delete(f"/api/v1/opportunities/{alice_deal.id}/", HTTP_IF_MATCH=etag).status_code == 412
    alice_deal.refresh_from_db()
    assert alice_deal.name == "First" and alice_deal.deleted_at is None
    fresh = client.patch(f"/api/v1/opportunities/{alice_deal.id}/", {"name": "Third"}, HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200


def test_it_answers_412_for_a_stale_if_match_on_upsert_by_external_id(api_as, alice):
    OpportunityFactory(account=AccountFactory(owner=alice), external_id="E-1", name="Kept")
    response = api_as(alice).put("/api/v1/opportunities/external/E-1/", {"name": "Lost"}, HTTP_IF_MATCH='W/"1-1"')
    assert response.status_code == 412
    assert Opportunity.objects.get(external_id="E-1").name == "Kept"


def test_it_bulk_upserts_external_ids_that_look_like_array_syntax(api_as, alice):
    # Long id lists go to PostgreSQL as one text[] literal (dealcoach.lookups.AnyOf): quotes,
    # backslashes, braces, commas and the word NULL in an id must stay one plain id.
    odd_ids = ['q"uote', "back\\slash", "{brace,comma}", "NULL", " padded ", "ünï", '\\"', "}"]
    client = api_as(alice)
    accounts = client.post("/api/v1/accounts/bulk-upsert/", {"items": [
        {"external_id": external_id, "name": f"Account {index}"} for index, external_id in enumerate(odd_ids)
    ]})
    assert [r["result"] for r in accounts.json()["results"]] == ["created"] * len(odd_ids)
    deals = client.post("/api/v1/opportunities/bulk-upsert/", {"items": [
        {"external_id": external_id, "account_external_id": external_id, "name": "Odd"} for external_id in odd_ids
    ]})
    assert [r["result"] for r in deals.json()["results"]] == ["created"] * len(odd_ids)
    again = client.post("/api/v1/opportunities/bulk-upsert/", {"items": [
        {"external_id": external_id, "name": "Odd" if index % 2 else "Renamed"} for index, external_id in enumerate(odd_ids)
    ]})
    assert [r["result"] for r in again.json()["results"]] == [
        "unchanged" if index % 2 else "updated" for index in range(len(odd_ids))
    ]
    assert sorted(Opportunity.objects.values_list("external_id", flat=True)) == sorted(odd_ids)
    for external_id in odd_ids:
        deal = Opportunity.objects.get(external_id=external_id)
        assert deal.account.external_id == external_id


def test_it_copies_preformatted_rows_with_the_values_given(alice, alice_deal):
    # The field history of a bulk upsert goes to COPY as text it formats itself (dealcoach.bulk.CopyText).
    if connection.vendor != "postgresql":
        pytest.skip("COPY text is PostgreSQL's")
    from django.utils import timezone

    from dealcoach.bulk import COPY_NULL, CopyText, copy_escaped, copy_rows

    at = timezone.now()
    odd = "tab\there \\ back\\nslash\nline\rend \\N"
    text = "".join(
        f"{alice_deal.pk}\tamount\t{copy_escaped(old)}\t{copy_escaped('new')}\t{by}\t{at.isoformat()}\n"
        for old, by in ((odd, alice.pk), ("", COPY_NULL))
    )
    copy_rows(OpportunityFieldChange, ["opportunity_id", "field", "old_value", "new_value", "changed_by_id",
                                       "changed_at"], CopyText(text))
    rows = OpportunityFieldChange.objects.filter(opportunity=alice_deal, new_value="new").order_by("id")
    assert [(r.old_value, r.changed_by_id, r.changed_at) for r in rows] == [(odd, alice.pk, at), ("", None, at)]
