"""Bulk upserts and CSV imports bypass post_save; their audit trail is written explicitly."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, Stakeholder
from dealcoach.audit.context import audit_context
from dealcoach.audit.models import AuditEvent
from dealcoach.audit.services import WrittenRowsAudit, _changes_sql, audit_record_bulk, audit_snapshot_rows
from deals.models import Opportunity
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


def _expected_events(*, resource, before, after, actor):
    """What the Python path (`audit_record_bulk`) records for the same rows, without keeping it."""
    with transaction.atomic():
        sid = transaction.savepoint()
        events = audit_record_bulk(actor=actor, resource=resource, rows_before=before, rows_after=after, source="api")
        transaction.savepoint_rollback(sid)
    return [(e.action, e.object_id, e.opportunity_id, e.account_id, e.changes, e.actor_id, e.source) for e in events]


def _recorded_events():
    return list(AuditEvent.objects.order_by("object_id").values_list(
        "action", "object_id", "opportunity_id", "account_id", "changes", "actor_id", "source"
    ))


@pytest.mark.parametrize("microsecond", [0, 123456, 604320])
def test_the_database_computes_the_same_events_as_python_for_every_kind_of_value(alice, microsecond):
    """WrittenRowsAudit (PostgreSQL) against audit_record_bulk (Python): decimals, dates, timestamps
    with and without microseconds, JSON, NULLs, text JSON must escape; create, update, soft delete,
    restore, unchanged."""
    account = AccountFactory(owner=alice)
    changed = OpportunityFactory(account=account, owner=alice, amount="1.00", budget_amount="9.99")
    deleted = OpportunityFactory(account=account, owner=alice)
    restored = OpportunityFactory(account=account, owner=alice, deleted_at=timezone.now().replace(microsecond=604320))
    untouched = OpportunityFactory(account=account, owner=alice)
    written = [changed, deleted, restored, untouched]
    ids = [o.pk for o in written]
    before = audit_snapshot_rows(resource="opportunity", ids=ids)
    audit = WrittenRowsAudit(Opportunity)
    assert audit.in_database
    audit.remember(written)
    moment = datetime(2026, 11, 22, 9, 30, 5, microsecond, tzinfo=UTC)
    Opportunity.objects.filter(pk=changed.pk).update(
        amount=Decimal("2.50"), budget_amount=None, go_live_date=date(2027, 1, 5), competitors=["do nothing", {"name": "Acme", "note": None}],
        name='Re"named \\ \t\n\r ü 😀 \x01', notes="", expected_close_date=None,
    )
    Opportunity.objects.filter(pk=deleted.pk).update(deleted_at=moment)
    Opportunity.objects.filter(pk=restored.pk).update(deleted_at=None)
    created = OpportunityFactory(account=account, owner=alice, go_live_date=date(2027, 2, 1), budget_amount="12.00")
    ids.append(created.pk)
    after = audit_snapshot_rows(resource="opportunity", ids=ids)
    expected = _expected_events(resource="opportunity", before=before, after=after, actor=alice)
    AuditEvent.objects.all().delete()
    with audit_context(actor=alice, source="api"):
        audit.record(ids=ids, source="api")
    assert _recorded_events() == sorted(expected, key=lambda e: e[1])
    assert [e[0] for e in sorted(expected, key=lambda e: e[1])] == ["update", "delete", "restore", "create"]


def test_the_database_computes_the_same_events_for_accounts_and_stakeholders(alice, bob):
    account = AccountFactory(owner=alice, industry="Retail")
    person = StakeholderFactory(account=account, email="a@example.com")
    for model, resource, row, change in (
        (Account, "account", account, {"industry": "", "owner": bob}),
        (Stakeholder, "stakeholder", person, {"email": "b@example.com", "reports_to": None, "title": "CIO"}),
    ):
        before = audit_snapshot_rows(resource=resource, ids=[row.pk])
        audit = WrittenRowsAudit(model)
        audit.remember([row])
        model.objects.filter(pk=row.pk).update(**change)
        after = audit_snapshot_rows(resource=resource, ids=[row.pk])
        expected = _expected_events(resource=resource, before=before, after=after, actor=alice)
        AuditEvent.objects.all().delete()
        with audit_context(actor=alice, source="api"):
            audit.record(ids=[row.pk], source="api")
        assert _recorded_events() == expected and len(expected) == 1


def test_the_changes_of_a_model_with_more_columns_than_one_sql_call_takes_stay_one_object():
    """concat_ws takes at most 100 arguments: wider column lists are joined in groups."""
    name = Opportunity._meta.get_field("name")
    columns = [f"c{n}" for n in range(95)]
    changes = _changes_sql([name] * 95, columns)
    values = ", ".join(f"'v{n}'::text AS c{n}" for n in range(95))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {changes} FROM (SELECT {values}) row LEFT JOIN (SELECT {values}) old ON false")
        assert json.loads(cursor.fetchone()[0]) == {"name": [None, "v94"]}
        cursor.execute(f"SELECT {changes} FROM (SELECT {values}) row, (SELECT {values}) old")
        assert json.loads(cursor.fetchone()[0]) == {}
