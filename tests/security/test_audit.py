"""Audit history: who changed what, when, with old and new values."""

import pytest
from django.urls import reverse

from accounts.services import (
    account_create,
    account_restore,
    account_soft_delete,
    stakeholder_create,
    stakeholder_restore,
    stakeholder_soft_delete,
    stakeholder_update,
)
from dealcoach.audit.context import audit_context
from dealcoach.audit.models import AuditEvent
from dealcoach.audit.selectors import audit_events_for_opportunity, audit_events_visible_to
from dealcoach.audit.services import audit_record_bulk, audit_snapshot_rows
from deals.models import Opportunity
from deals.services import (
    deal_role_remove,
    deal_role_set,
    opportunity_create,
    opportunity_restore,
    opportunity_soft_delete,
    opportunity_update,
)
from tests.factories import StakeholderFactory, stage

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_it_records_creates_updates_and_soft_deletes_with_old_and_new_values(alice):
    with audit_context(actor=alice, source="web"):
        account = account_create(actor=alice, name="Acme")
        deal = opportunity_create(actor=alice, account=account, name="Acme rollout", stage=stage("qualify"))
        opportunity_update(actor=alice, opportunity=deal, data={"amount": "2500.00", "name": "Acme big rollout"})
        opportunity_soft_delete(actor=alice, opportunity=deal)
        opportunity_restore(actor=alice, opportunity=deal)
    history = events(resource="opportunity", object_id=deal.pk)
    assert [e.action for e in history] == ["create", "update", "delete", "restore"]
    assert all(e.actor == alice and e.source == "web" and e.opportunity_id == deal.pk for e in history)
    assert history[1].changes == {"amount": ["0.00", "2500.00"],
                                  "name": ["Acme rollout", "Acme big rollout"]}
    assert history[2].changes["deleted_at"][0] is None
    assert history[0].changes["name"] == [None, "Acme rollout"]
    assert events(resource="account", object_id=account.pk)[0].action == "create"


def test_it_records_nothing_for_a_save_that_changes_nothing(alice, alice_deal):
    before = AuditEvent.objects.count()
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": alice_deal.name})
    assert AuditEvent.objects.count() == before


def test_it_records_stakeholders_and_deal_roles(alice, alice_deal):
    with audit_context(actor=alice):
        person = stakeholder_create(actor=alice, account=alice_deal.account, name="Pat", title="CFO")
        stakeholder_update(actor=alice, stakeholder=person, data={"title": "CEO"})
        role = deal_role_set(actor=alice, opportunity=alice_deal, stakeholder=person, role="economic_buyer")
        deal_role_set(actor=alice, opportunity=alice_deal, stakeholder=person, role="economic_buyer", strength=4)
        deal_role_remove(actor=alice, deal_role=role)
        stakeholder_soft_delete(actor=alice, stakeholder=person)
        stakeholder_restore(actor=alice, stakeholder=person)
    assert [e.action for e in events(resource="stakeholder", object_id=person.pk)] == [
        "create", "update", "delete", "restore"]
    assert events(resource="stakeholder", object_id=person.pk)[1].changes == {"title": ["CFO", "CEO"]}
    roles = events(resource="deal_role")
    assert [e.action for e in roles] == ["create", "update", "delete"]
    assert roles[1].changes == {"strength": [1, 4]}
    assert all(e.opportunity_id == alice_deal.pk for e in roles)


def test_it_attributes_writes_to_the_logged_in_user_through_the_middleware(client, alice, alice_deal):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from dealcoach.audit.middleware import AuditContextMiddleware

    def view(request):
        opportunity_update(actor=request.user, opportunity=alice_deal, data={"name": "Renamed"})
        return HttpResponse("ok")

    request = RequestFactory().post("/api/v1/opportunities/1/")
    request.user = alice
    AuditContextMiddleware(view)(request)
    event = events(resource="opportunity", action="update")[-1]
    assert (event.actor, event.source) == (alice, "api")


def test_it_records_bulk_writes(alice, alice_deal):
    other = Opportunity.objects.create(
        account=alice_deal.account, owner=alice, name="Second", stage=stage("qualify"))
    ids = [alice_deal.pk, other.pk]
    before = audit_snapshot_rows(resource="opportunity", ids=ids)
    AuditEvent.objects.all().delete()
    Opportunity.objects.filter(pk=alice_deal.pk).update(amount="5.00")
    after = audit_snapshot_rows(resource="opportunity", ids=ids)
    created = audit_record_bulk(actor=alice, resource="opportunity", rows_before={}, rows_after={other.pk: after[other.pk]},
                                source="import")
    updated = audit_record_bulk(actor=alice, resource="opportunity", rows_before=before, rows_after=after, source="api")
    assert [(e.action, e.object_id, e.source) for e in created] == [("create", other.pk, "import")]
    assert [(e.action, e.object_id, e.changes) for e in updated] == [
        ("update", alice_deal.pk, {"amount": ["100000.00", "5.00"]})]
    assert updated[0].account_id == alice_deal.account_id


def test_it_scopes_history_by_who_may_see_the_deal(alice, bob, charlie, dave, alice_deal, charlie_deal):
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "A2"})
    opportunity_update(actor=charlie, opportunity=charlie_deal, data={"name": "C2"})
    account_create(actor=charlie, name="Charlie's own account")
    visible = {u.username: set(audit_events_visible_to(u).values_list("opportunity_id", "account_id"))
               for u in (alice, bob, charlie, dave)}
    assert (alice_deal.pk, alice_deal.account_id) in visible["alice"]
    assert (alice_deal.pk, alice_deal.account_id) in visible["bob"]
    assert all(opp != charlie_deal.pk and acc != charlie_deal.account_id for opp, acc in visible["alice"])
    assert all(opp != alice_deal.pk and acc != alice_deal.account_id for opp, acc in visible["dave"])


def test_it_serves_history_through_the_api_scoped_and_filtered(client, alice, charlie, alice_deal, charlie_deal):
    opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "A2"})
    opportunity_update(actor=charlie, opportunity=charlie_deal, data={"name": "C2"})
    client.force_login(alice)
    body = client.get("/api/v1/audit/", {"opportunity": alice_deal.pk}).json()
    assert body["results"][0]["changes"] == {"name": ["Northwind rollout", "A2"]}
    assert body["results"][0]["resource"] == "opportunity"
    assert client.get("/api/v1/audit/", {"opportunity": charlie_deal.pk}).json()["results"] == []
    response = client.get("/api/v1/audit/", {"resource": "opportunity", "object_id": alice_deal.pk})
    assert {r["object_id"] for r in response.json()["results"]} == {alice_deal.pk}
    assert client.get("/api/v1/audit/", {"resource": "nope"}).status_code == 400
    assert client.get("/api/v1/audit/", {"opportunity": "x"}).status_code == 400
    client.logout()
    assert client.get("/api/v1/audit/").status_code in (401, 403)


def test_it_renders_the_deal_history_partial(alice, alice_deal):
    from django.template.loader import render_to_string

    with audit_context(actor=alice):
        opportunity_update(actor=alice, opportunity=alice_deal, data={"amount": "10.00"})
    html = render_to_string("audit/_partials/history.html",
                            {"audit_events": audit_events_for_opportunity(alice_deal.pk)})
    assert "Alice" in html and "amount" in html and "10.00" in html


def test_it_restores_soft_deleted_accounts_from_the_admin(client, admin_user, alice):
    account = account_create(actor=alice, name="Gone")
    account_soft_delete(actor=alice, account=account)
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_account_changelist"),
                           {"action": "restore_accounts", "_selected_action": [account.pk]})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.deleted_at is None
    assert events(resource="account", object_id=account.pk)[-1].action == "restore"
    assert events(resource="account", object_id=account.pk)[-1].actor == admin_user


def test_it_refuses_to_delete_an_account_with_live_deals(alice, alice_deal):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        account_soft_delete(actor=alice, account=alice_deal.account)
    account_restore(actor=alice, account=alice_deal.account)


def test_it_keeps_tombstones_for_deleted_stakeholders(alice, alice_deal):
    person = StakeholderFactory(account=alice_deal.account)
    stakeholder_soft_delete(actor=alice, stakeholder=person)
    person.refresh_from_db()
    assert person.deleted_at is not None
