"""The visibility rule: a rep sees their own deals, a manager their team's,
an admin everything, an outsider nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.selectors import accounts_visible_to, stakeholders_visible_to
from deals.selectors import opportunities_visible_to, opportunity_get_for_user
from tests.factories import OpportunityFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_shows_a_rep_only_their_own_deals(alice, alice_deal, charlie_deal, north):
    teammate = UserFactory(username="erin", role="rep", team=north)
    OpportunityFactory(account__owner=teammate)
    assert list(opportunities_visible_to(alice)) == [alice_deal]


def test_it_shows_a_manager_their_teams_deals(bob, alice, alice_deal, charlie_deal):
    own = OpportunityFactory(account__owner=bob)
    assert set(opportunities_visible_to(bob)) == {alice_deal, own}


def test_it_shows_an_admin_everything(admin_user, alice_deal, charlie_deal):
    assert set(opportunities_visible_to(admin_user)) == {alice_deal, charlie_deal}


def test_it_shows_an_outsider_nothing(dave, alice_deal):
    assert list(opportunities_visible_to(dave)) == []
    assert list(opportunities_visible_to(AnonymousUser())) == []
    with pytest.raises(Http404):
        opportunity_get_for_user(user=dave, opportunity_id=alice_deal.id)


def test_it_hides_deleted_deals(alice, alice_deal):
    alice_deal.mark_deleted()
    alice_deal.save()
    assert list(opportunities_visible_to(alice)) == []


def test_it_hides_deals_of_inactive_users(alice, alice_deal):
    alice.is_active = False
    alice.save()
    assert list(opportunities_visible_to(alice)) == []


def test_it_shares_accounts_inside_a_team_only(alice, bob, charlie, alice_deal, charlie_deal, north):
    person = StakeholderFactory(account=alice_deal.account)
    assert list(accounts_visible_to(alice)) == [alice_deal.account]
    assert list(accounts_visible_to(bob)) == [alice_deal.account]
    assert list(accounts_visible_to(charlie)) == [charlie_deal.account]
    assert list(stakeholders_visible_to(charlie)) == []
    assert list(stakeholders_visible_to(alice)) == [person]


def test_it_treats_bad_ids_as_not_found(alice):
    for bad in ("abc", None, 10**12):
        with pytest.raises(Http404):
            opportunity_get_for_user(user=alice, opportunity_id=bad)
