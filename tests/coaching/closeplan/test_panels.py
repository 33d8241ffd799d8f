import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.closeplan.panels import filter_by_plan, sort_by_sign_by
from coaching.closeplan.services import (
    milestone_update,
    plan_create_from_template,
    plan_validate_by_buyer,
    share_link_create,
)
from deals.models import Opportunity
from tests.coaching.closeplan.conftest import GO_LIVE
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_the_deal_page_shows_sign_by_next_to_the_expected_close(plan, client, alice, alice_deal):
    alice_deal.expected_close_date = GO_LIVE  # after sign-by (28 Jul): at risk
    alice_deal.save()
    client.force_login(alice)
    page = client.get(f"/deals/{alice_deal.pk}/").content.decode()
    assert 'data-testid="plan-summary"' in page
    assert "Mon 28 Jul 2025" in page
    assert "At risk" in page
    assert "Not validated by the customer" in page
    assert f"/deals/{alice_deal.pk}/plan/" in page


def test_the_deal_page_offers_to_build_a_plan(frozen_today, client, alice, alice_deal):
    client.force_login(alice)
    page = client.get(f"/deals/{alice_deal.pk}/").content.decode()
    assert "Build the close plan" in page


def test_the_deal_page_calls_an_early_close_wishful_thinking(plan, client, alice, alice_deal):
    alice_deal.expected_close_date = GO_LIVE.replace(month=7, day=1)  # before earliest signing (24 Jul)
    alice_deal.save()
    client.force_login(alice)
    assert "Wishful thinking" in client.get(f"/deals/{alice_deal.pk}/").content.decode()


def test_my_deals_shows_sign_by_for_every_deal_in_constant_queries(frozen_today, client, alice):
    def add_deals(count):
        for _ in range(count):
            deal = OpportunityFactory(account__owner=alice, owner=alice)
            plan_create_from_template(actor=alice, opportunity=deal, go_live_date=GO_LIVE)

    client.force_login(alice)
    add_deals(3)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/deals/").content.decode()
    assert page.count("28 Jul") >= 3
    assert "Next: Evaluation / proof of value complete by 25 Jun" in page
    add_deals(4)
    with CaptureQueriesContext(connection) as many:
        client.get("/deals/")
    assert len(many) == len(few)


def test_it_filters_deals_by_plan_state(plan, alice, alice_deal):
    other = OpportunityFactory(account__owner=alice, owner=alice)
    changed = OpportunityFactory(account__owner=alice, owner=alice)
    changed_plan = plan_create_from_template(actor=alice, opportunity=changed, go_live_date=GO_LIVE)
    link, _ = share_link_create(actor=alice, plan=changed_plan)
    plan_validate_by_buyer(link=link, name="Jane", seen_version=1)
    milestone_update(actor=alice, plan=changed_plan, key="kickoff", data={"duration_days": 6})

    def ids(value):
        return set(filter_by_plan(Opportunity.objects.all(), value).values_list("pk", flat=True))

    assert ids("none") == {other.pk}
    assert ids("not_validated") == {alice_deal.pk}
    assert ids("changed") == {changed.pk}
    assert ids("validated") == set()
    assert ids("overdue") == set()


def test_it_sorts_by_sign_by(plan, alice_deal):
    row = sort_by_sign_by(Opportunity.objects.filter(pk=alice_deal.pk)).get()
    assert row.sort_closeplan == GO_LIVE.replace(month=7, day=28)
