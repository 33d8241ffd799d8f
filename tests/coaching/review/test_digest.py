"""The Monday digest: each manager gets the week's review once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from coaching.review.models import ReviewDigestLog
from coaching.review.services import review_digest_send
from coaching.review.tasks import send_weekly_review_digests
from tests.coaching.review.conftest import ANCHORED, QUESTIONS, THIS_WEEK, at, give_flag, give_score
from tests.coaching.review.helpers import deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(alice, charlie):
    risky = deal(alice, name="Northwind rollout", amount=400000, **ANCHORED)
    give_score(risky, v=15)
    give_flag(risky, "close_date_passed")
    give_flag(risky, "decaying", snoozed_until=dt.date(2025, 6, 27), snooze_reason="Board meets on the 26th",
              snoozed_by=alice)
    deal(charlie, name="Southwind pilot", amount=1000)


def test_it_emails_each_manager_their_teams_review_once_a_week(bob, dave, pipeline, frozen_today):
    bob.email, dave.email = "bob@example.com", "dave@example.com"
    bob.save(), dave.save()

    assert send_weekly_review_digests.delay().get() == {"sent": 2, "already_sent": 0}
    assert send_weekly_review_digests.delay().get() == {"sent": 0, "already_sent": 2}

    assert len(mail.outbox) == 2
    to_bob = next(m for m in mail.outbox if m.to == ["bob@example.com"])
    assert "week of 09 Jun 2025" in to_bob.subject
    assert "Northwind rollout" in to_bob.body and "Southwind" not in to_bob.body
    assert QUESTIONS["value"] in to_bob.body
    assert "Board meets on the 26th" in to_bob.body
    assert "Northwind rollout" in to_bob.alternatives[0][0]
    assert list(ReviewDigestLog.objects.values_list("manager__username", "week").order_by("manager__username")) == [
        ("bob", THIS_WEEK), ("dave", THIS_WEEK)]


def test_it_sends_again_the_next_week(bob, pipeline, frozen_today):
    bob.email = "bob@example.com"
    bob.save()
    send_weekly_review_digests.delay()
    with time_machine.travel(at(dt.date(2025, 6, 16), 7), tick=False):
        send_weekly_review_digests.delay()
    assert len(mail.outbox) == 2


def test_it_never_sends_twice_even_when_asked_directly(bob, pipeline, frozen_today):
    bob.email = "bob@example.com"
    bob.save()
    assert review_digest_send(manager=bob, as_of=frozen_today) is True
    assert review_digest_send(manager=bob, as_of=frozen_today + dt.timedelta(days=1)) is False
    assert len(mail.outbox) == 1


def test_it_leaves_no_log_when_the_send_fails(bob, pipeline, frozen_today, monkeypatch):
    bob.email = "bob@example.com"
    bob.save()

    def broken(self, *args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(ConnectionError):
        review_digest_send(manager=bob, as_of=frozen_today)
    assert not ReviewDigestLog.objects.exists()


def test_it_skips_reps_and_managers_without_email(alice, bob, pipeline, frozen_today):
    alice.email, bob.email = "alice@example.com", ""
    alice.save(), bob.save()
    assert send_weekly_review_digests.delay().get()["sent"] == 0
    assert mail.outbox == []
