"""Object-level access, generated from the OpenAPI schema: every operation of
every app, called as a rep of another team (charlie), a manager of another
team (dave) and a user with no team (olga) against alice's objects, must not
read or write any of them: 404 on object routes, nothing of alice's in any
list, references to her objects refused, and her data unchanged afterwards.

An operation this test does not know how to call fails the test by name —
teach it below (PATH_VALUES / COLLECTION_BODIES) when you add an endpoint."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Account, Stakeholder
from deals.models import Activity, DealRole, Opportunity
from tests.api.conftest import client_for
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    DealRoleFactory,
    OpportunityFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MARK = "ALICE-SECRET"

# Global configuration every signed-in user reads: not an object of a team.
SHARED_PATHS = {"/api/v1/stages/", "/api/v1/stages/{slug}/"}


def schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
                yield path, method, params


@pytest.fixture
def world(alice, bob):
    """alice's objects across every app, marked so a leak is easy to spot."""
    from coaching.closeplan.services import plan_create_from_template
    from coaching.sessions.services import coaching_session_open, commitment_add
    from coaching.stale.models import Flag
    from sync.models import WebhookSubscription

    account = AccountFactory(owner=alice, name=f"{MARK} account", external_id=f"{MARK}-acc")
    person = StakeholderFactory(account=account, name=f"{MARK} person", external_id=f"{MARK}-stk")
    deal = OpportunityFactory(account=account, owner=alice, name=f"{MARK} deal", external_id=f"{MARK}-opp",
                              go_live_date=timezone.localdate() + timedelta(days=200))
    DealRoleFactory(opportunity=deal, stakeholder=person, role="economic_buyer")
    activity = ActivityFactory(opportunity=deal, summary=f"{MARK} call", external_id=f"{MARK}-act",
                               stakeholders=[person])
    flag = Flag.objects.create(opportunity=deal, kind="no_activity", reason=f"{MARK} quiet", raised_at=timezone.now())
    plan = plan_create_from_template(actor=alice, opportunity=deal, go_live_date=deal.go_live_date)
    proposal = plan.proposals.create(
        milestone_key="go_live", current_date=plan.go_live_date, proposed_date=plan.go_live_date + timedelta(days=30),
        reason=f"{MARK} board", proposed_by=person, created_at=timezone.now())
    session = coaching_session_open(actor=bob, opportunity=deal)
    commitment = commitment_add(actor=bob, session=session, action=f"{MARK} meet the EB", owner=alice,
                                due_on=timezone.localdate() + timedelta(days=7))
    hook = WebhookSubscription.objects.create(owner=alice, url="https://example.com/hook", events=["opportunity.updated"],
                                              secret="s" * 32, description=MARK)
    return {
        "account": account, "stakeholder": person, "opportunity": deal, "activity": activity, "flag": flag,
        "session": session, "commitment": commitment, "webhook": hook, "proposal": proposal,
    }


def path_values(world) -> dict:
    """How to fill each path parameter with one of alice's objects: by parameter
    name, or for `{id}` / `{external_id}` by the collection the path starts with."""
    by_collection = {
        "accounts": "account", "stakeholders": "stakeholder", "opportunities": "opportunity",
        "activities": "activity", "webhooks": "webhook",
    }

    def fill(path: str, name: str):
        collection = path.split("/")[3]
        if name == "id":
            return world[by_collection[collection]].pk
        if name == "external_id":
            return world[by_collection[collection]].external_id
        return {
            "opportunity_id": world["opportunity"].pk, "flag_id": world["flag"].pk,
            "session_id": world["session"].pk, "commitment_id": world["commitment"].pk, "key": "evaluation",
            "slug": "discover", "proposal_id": world["proposal"].pk,
        }[name]

    return fill


def collection_bodies(world) -> dict:
    """Bodies for collection POSTs, each trying to reach alice's objects by reference."""
    account, deal, person = world["account"], world["opportunity"], world["stakeholder"]
    return {
        "/api/v1/accounts/": {"name": "Mine", "external_id": "intruder-acc"},
        "/api/v1/stakeholders/": {"account": account.pk, "name": "Spy"},
        "/api/v1/opportunities/": {"account": account.pk, "name": "Poach", "roles": [
            {"stakeholder": person.pk, "role": "champion"}]},
        "/api/v1/activities/": {"opportunity": deal.pk, "summary": "Spy call"},
        "/api/v1/accounts/bulk-upsert/": {"items": [{"external_id": account.external_id, "name": "Taken"}]},
        "/api/v1/stakeholders/bulk-upsert/": {"items": [
            {"external_id": person.external_id, "name": "Taken"},
            {"external_id": "intruder-stk", "account_external_id": account.external_id, "name": "Spy"}]},
        "/api/v1/opportunities/bulk-upsert/": {"items": [
            {"external_id": deal.external_id, "name": "Taken"},
            {"external_id": "intruder-opp", "account_external_id": account.external_id, "name": "Poach"}]},
        "/api/v1/activities/bulk-upsert/": {"items": [
            {"external_id": world["activity"].external_id, "summary": "Taken"},
            {"external_id": "intruder-act", "opportunity_external_id": deal.external_id, "summary": "Spy"}]},
        "/api/v1/webhooks/": {"url": "https://example.com/spy", "events": ["opportunity.updated"]},
        # Exchange rates are shared configuration that only admins write: no team's objects in them.
        "/api/v1/exchange-rates/": {"base_currency": "EUR", "quote_currency": "USD", "rate": "1.1",
                                    "valid_from": "2025-06-01"},
        "/api/v1/exchange-rates/import/": {},
    }


def snapshot(world):
    """Everything of alice's an intruder might change."""
    deal = world["opportunity"]
    rows = [
        list(Account.objects.filter(pk=world["account"].pk).values_list("name", "updated_at", "deleted_at")),
        list(Stakeholder.objects.filter(account=world["account"]).values_list("id", "name", "updated_at", "deleted_at")),
        list(Opportunity.objects.filter(account=world["account"]).values_list("id", "name", "updated_at", "deleted_at")),
        list(DealRole.objects.filter(opportunity=deal).values_list("id", "stakeholder_id", "role")),
        list(Activity.objects.filter(opportunity=deal).values_list("id", "summary", "updated_at", "deleted_at")),
    ]
    for name in ("flag", "session", "commitment", "webhook", "proposal"):
        obj = world[name]
        rows.append([(f.name, getattr(type(obj).objects.get(pk=obj.pk), f.attname)) for f in obj._meta.concrete_fields])
    plan = deal.__class__.objects.get(pk=deal.pk)
    rows.append([(m.key, m.name, m.duration_days, m.done_on) for m in _milestones(plan)])
    return rows


def _milestones(deal):
    from coaching.closeplan.models import ClosePlan

    plan = ClosePlan.objects.filter(opportunity=deal).first()
    return list(plan.milestones.order_by("key")) if plan else []


@pytest.fixture
def intruders(charlie, dave):
    olga = UserFactory(username="olga", role="rep", team=None)
    return {"charlie (rep, other team)": charlie, "dave (manager, other team)": dave, "olga (no team)": olga}


def call(client, method, path, body=None):
    return client.generic(method.upper(), path, json.dumps(body if body is not None else {}),
                          content_type="application/json")


def test_no_operation_reads_or_writes_another_teams_objects(world, alice, intruders):
    fill = path_values(world)
    bodies = collection_bodies(world)
    operations = list(schema_operations())
    untaught, leaks = [], []
    before = snapshot(world)
    assert before[-1], "the close plan's milestones are part of what must not change"
    owner = client_for(alice)
    clients = {name: client_for(user) for name, user in intruders.items()}
    for path, method, params in operations:
        if path in SHARED_PATHS:
            continue  # checked in test_stages_are_shared_configuration
        try:
            url = path
            for name in params:
                url = url.replace("{" + name + "}", str(fill(path, name)))
        except KeyError as missing:
            untaught.append(f"{method.upper()} {path}: no value for path parameter {missing}")
            continue
        if params:
            if method == "get":
                control = call(owner, "get", url)
                assert control.status_code == 200, f"alice cannot GET her own {url}: {control.status_code}"
            for who, client in clients.items():
                response = call(client, method, url, {})
                if path.endswith("/external/{external_id}/") and response.status_code == 409:
                    # The id is taken (docs/sync.md): said with a code, nothing about the record.
                    body = response.json()
                    if body.get("code") != "external_id_taken" or MARK in response.content.decode().replace(
                            url.rsplit("/", 2)[-2], ""):
                        leaks.append(f"{who}: {method.upper()} {url} answered 409 without the code or with data")
                    continue
                if response.status_code != 404:
                    leaks.append(f"{who}: {method.upper()} {url} answered {response.status_code}, not 404")
            continue
        if method == "get":
            for who, client in clients.items():
                response = call(client, "get", url)
                if response.status_code != 200 or MARK in response.content.decode():
                    leaks.append(f"{who}: GET {url} answered {response.status_code} or showed alice's data")
            continue
        if path not in bodies:
            untaught.append(f"{method.upper()} {path}: add a body to collection_bodies()")
            continue
        for who, client in clients.items():
            response = call(client, method, url, bodies[path])
            text = response.content.decode()
            if MARK in text and "bulk-upsert" not in path:
                leaks.append(f"{who}: {method.upper()} {url} echoed alice's data")
            if "bulk-upsert" in path:
                results = response.json().get("results", [])
                if any(r["result"] != "error" for r in results):
                    leaks.append(f"{who}: {method.upper()} {url} wrote through alice's references: {results}")
            elif path in ("/api/v1/stakeholders/", "/api/v1/opportunities/", "/api/v1/activities/"):
                if response.status_code != 400:
                    leaks.append(f"{who}: {method.upper()} {url} accepted a reference to alice's objects")
    assert not untaught, "Operations this test cannot call yet:\n" + "\n".join(untaught)
    assert not leaks, "Another team's objects were reachable:\n" + "\n".join(leaks)
    assert snapshot(world) == before, "alice's objects changed"


def test_stages_are_shared_configuration(intruders, alice):
    for user in [alice, *intruders.values()]:
        client = client_for(user)
        assert call(client, "get", "/api/v1/stages/").status_code == 200
        assert call(client, "get", "/api/v1/stages/discover/").status_code == 200


def test_it_covers_every_operation_in_the_schema():
    operations = list(schema_operations())
    assert len(operations) >= 40
    assert all(re.match(r"^/api/", path) for path, _, _ in operations)
