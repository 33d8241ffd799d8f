"""Database constraints: bad data cannot be stored, whatever path it takes."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Account, Stakeholder
from deals.models import Activity, DealRole, Opportunity
from tests.factories import AccountFactory, OpportunityFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def assert_refused(**changes):
    deal = OpportunityFactory()
    for field, value in changes.items():
        setattr(deal, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        deal.save()
    deal.refresh_from_db()
    return deal


def test_it_refuses_a_negative_amount():
    assert assert_refused(amount=Decimal("-1")).amount == Decimal("100000.00")


def test_it_refuses_a_currency_that_is_not_iso_4217():
    assert assert_refused(currency="XXX").currency == "USD"
    assert_refused(currency="usd")


def test_it_refuses_a_lost_deal_without_a_reason():
    assert_refused(status="lost", lost_reason="")


def test_it_refuses_a_lost_reason_on_an_open_deal():
    assert_refused(status="open", lost_reason="Too expensive")


def test_it_accepts_a_lost_deal_with_a_reason():
    deal = OpportunityFactory()
    deal.status, deal.lost_reason = "lost", "Chose the incumbent"
    deal.save()
    assert Opportunity.objects.get(pk=deal.pk).status == "lost"


def test_it_refuses_a_strength_outside_1_to_5():
    role = DealRole(opportunity=OpportunityFactory(), stakeholder=StakeholderFactory(), role="champion", strength=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        role.save()


@pytest.mark.parametrize("model,factory", [
    (Account, lambda ext: AccountFactory(external_id=ext)),
    (Stakeholder, lambda ext: StakeholderFactory(external_id=ext)),
    (Opportunity, lambda ext: OpportunityFactory(external_id=ext)),
])
def test_it_keeps_external_ids_unique_per_resource(model, factory):
    factory("sf-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factory("sf-001")
    assert model.objects.filter(external_id="sf-001").count() == 1


def test_it_keeps_external_ids_unique_including_deleted_rows():
    deal = OpportunityFactory(external_id="sf-9")
    deal.mark_deleted()
    deal.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        OpportunityFactory(external_id="sf-9")


def test_it_allows_the_same_external_id_in_different_resources():
    AccountFactory(external_id="x-1")
    OpportunityFactory(external_id="x-1")
    deal = OpportunityFactory()
    Activity.objects.create(opportunity=deal, summary="s", occurred_at=deal.created_at, external_id="x-1")
