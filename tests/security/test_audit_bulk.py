"""Bulk upserts and CSV imports bypass post_save; their audit trail is written explicitly."""

import pytest

from dealcoach.audit.models import AuditEvent
from tests.api.conftest import client_for
from tests.factories import AccountFactory, OpportunityFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_a_bulk_upsert_records_who_and_the_old_and_new_values(alice):
    account = AccountFactory(owner=alice, external_id="ACC-A")
    existing = OpportunityFactory(account=account, owner=alice, external_id="A-2", amount="1.00")
    person = StakeholderFactory(account=account, external_id="SH-1")
    AuditEvent.objects.all().delete()
    response = client_for(alice).post("/api/v1/opportunities/bulk-upsert/", {"items": [
        {"external_id": "A-1", "account_external_id": "ACC-A", "name": "New", "stage": "qualify",
         "roles": [{"stakeholder": person.pk, "role": "champion"}]},
        {"external_id": "A-2", "amount": "2.00"},
    ]}, format="json")
    assert response.status_code == 200, response.json()
    update = AuditEvent.objects.get(resource="opportunity", object_id=existing.pk)
    assert (update.action, update.actor, update.source) == ("update", alice, "api")
    assert update.changes["amount"] == ["1.00", "2.00"]
    created = AuditEvent.objects.get(resource="opportunity", action="create")
    assert created.actor == alice and created.changes["name"][1] == "New"
    role = AuditEvent.objects.get(resource="deal_role")
    assert role.action == "create" and role.opportunity_id == created.object_id
