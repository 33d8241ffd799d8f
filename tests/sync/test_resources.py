"""CRUD of the resources, their JSON field names, unknown and read-only fields."""

from decimal import Decimal

import pytest

from accounts.models import Account, Stakeholder
from deals.models import Activity, Opportunity, OpportunityFieldChange
from tests.factories import AccountFactory, ActivityFactory, DealRoleFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

OPPORTUNITY_FIELDS = {
    "id", "external_id", "account", "owner", "name", "amount", "currency", "stage", "status", "lost_reason",
    "expected_close_date", "go_live_date", "budget_status", "budget_amount", "compelling_event",
    "consequence_if_missed", "success_criteria", "business_value", "strategy", "strategy_notes", "competitors",
    "forecast_category", "roles", "propensity", "created_at", "updated_at",
}


def test_it_lists_and_reads_opportunities_with_the_documented_field_names(api_as, alice, alice_deal):
    person = StakeholderFactory(account=alice_deal.account)
    DealRoleFactory(opportunity=alice_deal, stakeholder=person, role="champion")
    client = api_as(alice)
    listed = client.get("/api/v1/opportunities/").json()
    assert [o["id"] for o in listed["results"]] == [alice_deal.id]
    body = client.get(f"/api/v1/opportunities/{alice_deal.id}/").json()
    assert set(body) == OPPORTUNITY_FIELDS
    assert body["amount"] == "100000.00" and body["stage"] == "discover" and body["owner"] == alice.id
    assert body["roles"] == [{
        "stakeholder": person.id, "role": "champion", "stance": "supporter", "influence": "high", "strength": 3,
        "leans_to_competitor": False,
    }]


def test_it_reads_accounts_stakeholders_activities_and_stages_with_their_field_names(api_as, alice, alice_deal):
    person = StakeholderFactory(account=alice_deal.account)
    activity = ActivityFactory(opportunity=alice_deal, stakeholders=[person])
    client = api_as(alice)
    account = client.get(f"/api/v1/accounts/{alice_deal.account_id}/").json()
    assert set(account) == {"id", "external_id", "name", "domain", "industry", "owner", "created_at", "updated_at"}
    stakeholder = client.get(f"/api/v1/stakeholders/{person.id}/").json()
    assert set(stakeholder) == {"id", "external_id", "account", "name", "title", "email", "seniority", "reports_to"}
    logged = client.get(f"/api/v1/activities/{activity.id}/").json()
    assert set(logged) == {"id", "external_id", "opportunity", "kind", "occurred_at", "summary", "stakeholders"}
    assert logged["stakeholders"] == [person.id]
    stages = client.get("/api/v1/stages/").json()
    assert [s["slug"] for s in stages] == ["qualify", "discover", "evaluate", "propose", "negotiate"]
    assert client.get("/api/v1/stages/evaluate/").json()["probability"] == 40


def test_it_creates_an_opportunity_with_roles_owned_by_the_caller(api_as, alice):
    account = AccountFactory(owner=alice)
    person = StakeholderFactory(account=account)
    response = api_as(alice).post("/api/v1/opportunities/", {
        "account": account.id, "name": "Expansion", "amount": "2500.50", "stage": "evaluate",
        "roles": [{"stakeholder": person.id, "role": "economic_buyer", "strength": 4}],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    deal = Opportunity.objects.get(pk=body["id"])
    assert deal.owner == alice and deal.amount == Decimal("2500.50") and deal.stage.slug == "evaluate"
    assert body["roles"][0]["role"] == "economic_buyer" and body["roles"][0]["strength"] == 4
    assert response["ETag"].startswith('W/"')


def test_it_updates_and_patches_an_opportunity_recording_field_history(api_as, alice, alice_deal):
    client = api_as(alice)
    response = client.patch(f"/api/v1/opportunities/{alice_deal.id}/", {"amount": "5.00", "stage": "propose"})
    assert response.status_code == 200, response.json()
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("5.00") and alice_deal.stage.slug == "propose"
    fields = set(OpportunityFieldChange.objects.filter(opportunity=alice_deal).values_list("field", flat=True))
    assert {"amount", "stage"} <= fields
    response = client.put(f"/api/v1/opportunities/{alice_deal.id}/", {
        "account": alice_deal.account_id, "name": "Renamed", "roles": [],
    })
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Renamed"


def test_it_replaces_the_whole_list_of_roles(api_as, alice, alice_deal):
    old = DealRoleFactory(opportunity=alice_deal, role="champion")
    new_person = StakeholderFactory(account=alice_deal.account)
    response = api_as(alice).patch(f"/api/v1/opportunities/{alice_deal.id}/", {
        "roles": [{"stakeholder": new_person.id, "role": "decision_maker"}],
    })
    assert response.status_code == 200, response.json()
    assert [(r["stakeholder"], r["role"]) for r in response.json()["roles"]] == [(new_person.id, "decision_maker")]
    assert not alice_deal.roles.filter(stakeholder=old.stakeholder).exists()


def test_it_soft_deletes_keeping_the_row_as_a_tombstone(api_as, alice, alice_deal):
    client = api_as(alice)
    assert client.delete(f"/api/v1/opportunities/{alice_deal.id}/").status_code == 204
    alice_deal.refresh_from_db()
    assert alice_deal.deleted_at is not None
    assert client.get(f"/api/v1/opportunities/{alice_deal.id}/").status_code == 404
    assert client.get("/api/v1/opportunities/").json()["results"] == []


def test_it_crud_accounts_stakeholders_and_activities(api_as, alice, alice_deal):
    client = api_as(alice)
    account = client.post("/api/v1/accounts/", {"name": "Acme", "domain": "acme.example", "external_id": "A-1"})
    assert account.status_code == 201, account.json()
    account_id = account.json()["id"]
    assert Account.objects.get(pk=account_id).owner == alice
    assert client.patch(f"/api/v1/accounts/{account_id}/", {"industry": "Retail"}).json()["industry"] == "Retail"
    person = client.post("/api/v1/stakeholders/", {"account_external_id": "A-1", "name": "Pat", "seniority": "vp"})
    assert person.status_code == 201, person.json()
    person_id = person.json()["id"]
    boss = client.post("/api/v1/stakeholders/", {"account": account_id, "name": "Bo", "seniority": "c_level"})
    patched = client.patch(f"/api/v1/stakeholders/{person_id}/", {"reports_to": boss.json()["id"]})
    assert patched.status_code == 200 and patched.json()["reports_to"] == boss.json()["id"]
    on_deal = StakeholderFactory(account=alice_deal.account)
    activity = client.post("/api/v1/activities/", {
        "opportunity": alice_deal.id, "kind": "call", "summary": "Budget call", "stakeholders": [on_deal.id],
        "occurred_at": "2026-01-05T10:00:00Z",
    })
    assert activity.status_code == 201, activity.json()
    activity_id = activity.json()["id"]
    changed = client.patch(f"/api/v1/activities/{activity_id}/", {"summary": "Budget approved", "stakeholders": []})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["stakeholders"] == [] and changed.json()["summary"] == "Budget approved"
    assert client.delete(f"/api/v1/activities/{activity_id}/").status_code == 204
    assert Activity.objects.get(pk=activity_id).deleted_at is not None
    assert client.delete(f"/api/v1/stakeholders/{person_id}/").status_code == 204
    assert Stakeholder.objects.get(pk=person_id).deleted_at is not None
    assert client.delete(f"/api/v1/accounts/{account_id}/").status_code == 204


def test_it_refuses_unknown_fields_naming_them(api_as, alice, alice_deal):
    response = api_as(alice).patch(f"/api/v1/opportunities/{alice_deal.id}/", {"colour": "red", "name": "X"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"colour": ["Unknown field."]}
    alice_deal.refresh_from_db()
    assert alice_deal.name == "Northwind rollout"


@pytest.mark.parametrize("field, value", [
    ("propensity", 0.9), ("created_at", "2020-01-01T00:00:00Z"), ("updated_at", "2020-01-01T00:00:00Z"), ("id", 5),
])
def test_it_refuses_read_only_fields(api_as, alice, alice_deal, field, value):
    response = api_as(alice).patch(f"/api/v1/opportunities/{alice_deal.id}/", {field: value})
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["Read-only field."]}


def test_it_refuses_giving_a_deal_to_someone_outside_the_callers_reach(api_as, alice, charlie, alice_deal):
    response = api_as(alice).patch(f"/api/v1/opportunities/{alice_deal.id}/", {"owner": charlie.id})
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    alice_deal.refresh_from_db()
    assert alice_deal.owner == alice


def test_it_refuses_references_to_objects_the_caller_cannot_see(api_as, alice, charlie_deal):
    response = api_as(alice).post("/api/v1/opportunities/", {"account": charlie_deal.account_id, "name": "Steal"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["account"]
    assert "not visible" in response.json()["errors"]["account"][0]


@pytest.mark.parametrize("body, field", [
    ({"amount": "-5"}, "amount"), ({"amount": 5}, "amount"), ({"stage": "nope"}, "stage"),
    ({"expected_close_date": "31/12/2026"}, "expected_close_date"), ({"currency": "XXX"}, "currency"),
    ({"status": "lost"}, "lost_reason"), ({"name": "a\x00b"}, "name"), ({"name": ""}, "name"),
    ({"roles": [{"role": "champion"}]}, "roles"), ({"competitors": "acme"}, "competitors"),
])
def test_it_answers_bad_values_with_400_naming_the_field(api_as, alice, alice_deal, body, field):
    response = api_as(alice).patch(f"/api/v1/opportunities/{alice_deal.id}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
