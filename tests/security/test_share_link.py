"""The buyer's share link: the plan and nothing else, signed, expiring,
revocable and rate-limited."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from coaching.closeplan.models import ShareLink
from coaching.closeplan.services import share_link_revoke
from tests.factories import DealRoleFactory, OpportunityFactory, prove_buyer_address

pytestmark = pytest.mark.django_db

REFUSED = (404, 410)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shared(alice, alice_deal, alice_objects):
    alice_deal.notes = "INTERNAL-NOTE-do-not-share"
    alice_deal.strategy_notes = "STRATEGY-NOTE-do-not-share"
    alice_deal.business_value = "BUSINESS-VALUE-do-not-share"
    alice_deal.amount = Decimal("987654.32")
    alice_deal.budget_amount = Decimal("876543.21")
    alice_deal.save()
    OpportunityFactory(account=alice_deal.account, owner=alice, name="OTHER-DEAL-same-account",
                       amount=Decimal("555444.33"))
    return alice_objects["token"]


def public_url(token):
    return reverse("closeplan:public", kwargs={"token": token})


def test_it_shows_the_plan_and_nothing_else(client, shared, alice_deal):
    assert "Evaluation" not in client.get(public_url(shared)).content.decode()  # not before proving who you are
    buyer = DealRoleFactory(opportunity=alice_deal, role="economic_buyer").stakeholder
    buyer.email = "buyer@northwind.example"
    buyer.save()
    prove_buyer_address(client, shared, buyer.email)
    response = client.get(public_url(shared))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Evaluation" in html and "Contract signed" in html and "Northwind" in html
    for secret in ("INTERNAL-NOTE", "STRATEGY-NOTE", "BUSINESS-VALUE", "OTHER-DEAL", "987", "876,543", "876543",
                   "555", "RSVP", "propensity", "Stale", "no_activity"):
        assert secret not in html, secret
    assert "987654" not in html and "987,654" not in html
    assert response["Cache-Control"].startswith("no-store")
    assert "noindex" in response["X-Robots-Tag"]


def test_it_refuses_a_tampered_or_forged_token(client, shared, alice_objects):
    tampered = shared[:-2] + ("AA" if not shared.endswith("AA") else "BB")
    assert client.get(public_url(tampered)).status_code == 404
    assert client.get(public_url(str(alice_objects["link_id"]))).status_code == 404
    forged = signing.dumps(alice_objects["link_id"], salt="some-other-salt")
    assert client.get(public_url(forged)).status_code == 404
    assert client.get(reverse("closeplan:public_ics", kwargs={"token": tampered})).status_code == 404


def test_it_stops_working_when_it_expires(client, shared, alice_objects):
    link = ShareLink.objects.get(pk=alice_objects["link_id"])
    with time_machine.travel(link.expires_at - timedelta(minutes=1), tick=False):
        assert client.get(public_url(shared)).status_code == 200
    with time_machine.travel(link.expires_at + timedelta(seconds=1), tick=False):
        response = client.get(public_url(shared))
        assert response.status_code in REFUSED
        assert "Evaluation" not in response.content.decode()


def test_it_stops_working_when_revoked(client, alice, shared, alice_objects):
    share_link_revoke(actor=alice, link=ShareLink.objects.get(pk=alice_objects["link_id"]))
    response = client.get(public_url(shared))
    assert response.status_code in REFUSED
    assert "Evaluation" not in response.content.decode()
    assert client.get(reverse("closeplan:public_ics", kwargs={"token": shared})).status_code in REFUSED


def test_it_rate_limits_each_address(client, shared):
    now = timezone.now().replace(second=5)
    with time_machine.travel(now, tick=False):
        statuses = [client.get(public_url(shared), REMOTE_ADDR="203.0.113.7").status_code for _ in range(61)]
        assert statuses[:60] == [200] * 60
        assert statuses[60] == 429
        limited = client.get(public_url(shared), REMOTE_ADDR="203.0.113.7")
        assert limited.status_code == 429 and limited["Retry-After"].isdigit()
        assert client.get(public_url(shared), REMOTE_ADDR="203.0.113.8").status_code == 200
        guesses = [client.get(public_url(f"x{i}"), REMOTE_ADDR="203.0.113.9").status_code for i in range(61)]
        assert guesses[-1] == 429  # guessing tokens is rate-limited too
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        assert client.get(public_url(shared), REMOTE_ADDR="203.0.113.7").status_code == 200
