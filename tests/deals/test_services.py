from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.models import Opportunity, Stage
from deals.services import activity_log, deal_role_set, opportunity_create, opportunity_update
from deals.signals import deal_changed
from tests.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_it_always_considers_do_nothing(alice):
    deal = opportunity_create(actor=alice, account=AccountFactory(owner=alice), name="D",
                              stage=Stage.objects.get(slug="qualify"), competitors=["Globex", "status quo"])
    assert deal.competitors == ["do nothing", "Globex"]


def test_it_records_slips_and_stage_moves_with_who_and_when(alice, alice_deal):
    old_close = alice_deal.expected_close_date
    opportunity_update(actor=alice, opportunity=alice_deal, data={
        "expected_close_date": old_close + timedelta(days=30), "stage": Stage.objects.get(slug="propose"),
        "amount": Decimal("120000"),
    })
    changes = {c.field: c for c in alice_deal.field_changes.all()}
    assert changes["expected_close_date"].old_value == old_close.isoformat()
    assert changes["expected_close_date"].changed_by == alice
    assert (changes["stage"].old_value, changes["stage"].new_value) == ("discover", "propose")
    assert changes["amount"].new_value == "120000.00"
    assert changes["forecast_category"].new_value == "best_case"


def test_it_refuses_bad_input_and_changes_nothing(alice, alice_deal):
    with pytest.raises(ValidationError) as error:
        opportunity_update(actor=alice, opportunity=alice_deal, data={"amount": Decimal("-5"), "name": "New"})
    assert "amount" in error.value.message_dict
    fresh = Opportunity.objects.get(pk=alice_deal.pk)
    assert fresh.name == "Northwind rollout" and fresh.amount == Decimal("100000.00")
    assert not fresh.field_changes.exists()


def test_it_names_the_currency_field(alice, alice_deal):
    with pytest.raises(ValidationError) as error:
        opportunity_update(actor=alice, opportunity=alice_deal, data={"currency": "DOLLARS"})
    assert "ISO 4217" in error.value.message_dict["currency"][0]


def test_it_refuses_to_give_a_deal_to_another_team(alice, charlie, alice_deal):
    with pytest.raises(ValidationError) as error:
        opportunity_update(actor=alice, opportunity=alice_deal, data={"owner": charlie})
    assert "owner" in error.value.message_dict


def test_it_closes_the_forecast_when_won(alice, alice_deal):
    opportunity_update(actor=alice, opportunity=alice_deal, data={"status": "won"})
    assert alice_deal.forecast_category == "closed"


def test_it_tracks_engagement_from_activities(alice, alice_deal):
    cfo = StakeholderFactory(account=alice_deal.account, seniority="c_level")
    analyst = StakeholderFactory(account=alice_deal.account, seniority="staff")
    then = timezone.now() - timedelta(days=10)
    activity_log(actor=alice, opportunity=alice_deal, kind="meeting", summary="CFO review", occurred_at=then,
                 stakeholders=[cfo])
    activity_log(actor=alice, opportunity=alice_deal, kind="call", summary="Analyst", stakeholders=[analyst])
    alice_deal.refresh_from_db()
    assert alice_deal.last_senior_engagement_at == then
    assert alice_deal.last_activity_at > then


def test_it_counts_a_staff_economic_buyer_as_senior(alice, alice_deal):
    owner = StakeholderFactory(account=alice_deal.account, seniority="staff")
    deal_role_set(actor=alice, opportunity=alice_deal, stakeholder=owner, role="economic_buyer")
    activity_log(actor=alice, opportunity=alice_deal, kind="call", summary="Budget", stakeholders=[owner])
    alice_deal.refresh_from_db()
    assert alice_deal.last_senior_engagement_at is not None


def test_it_refuses_a_stakeholder_from_another_account(alice, alice_deal):
    stranger = StakeholderFactory()
    with pytest.raises(ValidationError):
        activity_log(actor=alice, opportunity=alice_deal, kind="call", summary="x", stakeholders=[stranger])
    assert not alice_deal.activities.exists()


def test_it_announces_changes_after_commit(alice, alice_deal, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, opportunity_ids, **kwargs):
        received.append(opportunity_ids)

    deal_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Renamed"})
    finally:
        deal_changed.disconnect(receiver)
    assert received == [[alice_deal.id]]
