"""Holes closed in dealcoach/permissions.py."""

import pytest
from django.contrib.auth.models import AnonymousUser

from dealcoach.models import User
from dealcoach.permissions import can_own_deals_of, visible_users_q

pytestmark = pytest.mark.django_db


def test_it_shows_no_users_to_an_anonymous_or_deactivated_user(alice, bob):
    assert not User.objects.filter(visible_users_q(AnonymousUser())).exists()
    bob.is_active = False
    assert not User.objects.filter(visible_users_q(bob)).exists()


def test_it_never_assigns_deals_to_or_by_a_deactivated_user(alice, bob, admin_user):
    assert can_own_deals_of(bob, alice)
    alice.is_active = False
    assert not can_own_deals_of(bob, alice)
    assert not can_own_deals_of(admin_user, alice)
    assert not can_own_deals_of(AnonymousUser(), bob)
