"""The owner digest: newly raised flags, once."""

import datetime as dt

import pytest
from django.core import mail

from coaching.stale.models import Flag
from coaching.stale.services import flags_send_digests, flags_sweep
from deals.models import Opportunity
from tests.coaching.stale.helpers import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(alice, charlie):
    alice.email, charlie.email = "alice@example.com", "charlie@example.com"
    alice.save()
    charlie.save()
    return alice, charlie


def _quiet_deal(owner, name):
    return make_deal(owner, stage="evaluate", created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 5, 1),
                     last_senior=dt.date(2025, 5, 1), name=name)


def test_it_sends_each_owner_one_digest_and_nothing_twice(owners):
    alice, charlie = owners
    _quiet_deal(alice, "Northwind rollout")
    _quiet_deal(charlie, "Southwind pilot")
    flags_sweep(as_of=dt.date(2025, 6, 2))

    first = flags_send_digests(as_of=dt.date(2025, 6, 2))
    assert first["owners"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "charlie@example.com"]
    to_alice = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "Northwind rollout" in to_alice.body and "Southwind pilot" not in to_alice.body
    assert "No activity: no activity for 32 days; Evaluate allows 21" in to_alice.body
    assert not Flag.objects.filter(notified_at__isnull=True).exists()

    again = flags_send_digests(as_of=dt.date(2025, 6, 2))
    assert again == {"owners": 0, "flags": 0}
    assert len(mail.outbox) == 2


def test_it_announces_only_flags_raised_since_the_last_digest(owners):
    alice, _ = owners
    deal = _quiet_deal(alice, "Northwind rollout")
    flags_sweep(as_of=dt.date(2025, 6, 2))
    flags_send_digests(as_of=dt.date(2025, 6, 2))
    mail.outbox.clear()

    Opportunity.objects.filter(pk=deal.pk).update(expected_close_date=dt.date(2025, 6, 2))
    flags_sweep(as_of=dt.date(2025, 6, 3))
    flags_send_digests(as_of=dt.date(2025, 6, 3))

    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "dealcoach: 1 new flag on your deals"
    assert "Close date passed: expected close date 2025-06-02 passed 1 day ago" in body
    assert "No activity" not in body


def test_it_skips_flags_cleared_before_the_digest(owners):
    alice, _ = owners
    deal = _quiet_deal(alice, "Northwind rollout")
    flags_sweep(as_of=dt.date(2025, 6, 2))
    Opportunity.objects.filter(pk=deal.pk).update(status="won")
    flags_sweep(as_of=dt.date(2025, 6, 2))

    assert flags_send_digests(as_of=dt.date(2025, 6, 2)) == {"owners": 0, "flags": 0}
    assert mail.outbox == []


def test_it_marks_flags_of_an_owner_without_email_as_announced(alice):
    _quiet_deal(alice, "Northwind rollout")
    flags_sweep(as_of=dt.date(2025, 6, 2))

    result = flags_send_digests(as_of=dt.date(2025, 6, 2))
    assert result["flags"] > 0
    assert mail.outbox == []
    assert not Flag.objects.filter(notified_at__isnull=True).exists()
