import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching.rsvp.models import CoachingAnswer, CoachingQuestion
from coaching.sessions.models import CoachingSession, Commitment
from coaching.sessions.selectors import (
    coaching_session_get_for_user,
    last_closed_session,
    open_commitments_for,
    rsvp_trend,
    uncoached_deals,
)
from coaching.sessions.services import (
    coaching_session_close,
    coaching_session_open,
    coaching_session_record_answer,
    coaching_session_set_notes,
    commitment_add,
    commitment_close,
    overdue_commitment_digests_send,
)
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def a_question(dimension="relationships"):
    return CoachingQuestion.objects.filter(dimension=dimension, active=True).order_by("order").first()


def test_it_opens_a_manager_session_with_the_scores_of_the_day(bob, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    assert session.kind == "manager" and session.rep == alice_deal.owner
    assert set(session.scores_at_open) == {"overall", "relationships", "strategy", "value", "process"}


def test_it_opens_a_self_review_for_the_owner(alice, alice_deal):
    assert coaching_session_open(actor=alice, opportunity=alice_deal).kind == "self"


def test_a_second_open_continues_the_open_session(bob, alice, alice_deal):
    first = coaching_session_open(actor=bob, opportunity=alice_deal)
    assert coaching_session_open(actor=alice, opportunity=alice_deal) == first
    assert CoachingSession.objects.count() == 1


def test_it_records_answers_in_the_session_and_on_the_deal(bob, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    question = a_question()
    coaching_session_record_answer(actor=bob, session=session, question_key=question.key, answer="partly",
                                   evidence="Met the CFO once")
    assert session.answers.get().answer == "partly"
    assert CoachingAnswer.objects.get(opportunity=alice_deal, question=question).evidence == "Met the CFO once"


def test_it_refuses_an_unknown_question(bob, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    with pytest.raises(ValidationError) as error:
        coaching_session_record_answer(actor=bob, session=session, question_key="nope", answer="yes")
    assert "question" in error.value.message_dict


def test_a_closed_session_cannot_change(bob, alice, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    coaching_session_set_notes(actor=bob, session=session, notes="Talked through the EB gap")
    closed = coaching_session_close(actor=bob, session=session)
    assert closed.status == "closed" and closed.scores_at_close and closed.result_at_close["dimensions"]
    for attempt in (
        lambda: coaching_session_set_notes(actor=bob, session=closed, notes="rewrite history"),
        lambda: coaching_session_record_answer(actor=bob, session=closed, question_key=a_question().key, answer="yes"),
        lambda: commitment_add(actor=bob, session=closed, action="x", owner=alice, due_on=TODAY),
        lambda: coaching_session_close(actor=bob, session=closed),
    ):
        with pytest.raises(ValidationError):
            attempt()
    closed.notes = "edited"
    with pytest.raises(ValidationError):
        closed.save()
    assert CoachingSession.objects.get(pk=closed.pk).notes == "Talked through the EB gap"


def test_it_adds_and_closes_a_commitment(bob, alice, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    commitment = commitment_add(actor=bob, session=session, action="Meet the CFO", owner=alice,
                                due_on=TODAY + dt.timedelta(days=7), dimension="relationships",
                                gap="No economic buyer engaged")
    assert open_commitments_for(user=alice) == [commitment]
    commitment_close(actor=alice, commitment=commitment, status="done", outcome="Met her on Tuesday")
    commitment.refresh_from_db()
    assert (commitment.status, commitment.outcome, commitment.closed_by) == ("done", "Met her on Tuesday", alice)
    assert open_commitments_for(user=alice) == []


@pytest.mark.parametrize("kwargs,field", [
    ({"action": ""}, "action"),
    ({"due_on": TODAY - dt.timedelta(days=1)}, "due_on"),
    ({"dimension": "vibes"}, "dimension"),
])
def test_it_refuses_a_bad_commitment_naming_the_field(bob, alice, alice_deal, kwargs, field):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    values = {"action": "Meet the CFO", "owner": alice, "due_on": TODAY, "dimension": "", **kwargs}
    with pytest.raises(ValidationError) as error:
        commitment_add(actor=bob, session=session, **values)
    assert field in error.value.message_dict
    assert not Commitment.objects.exists()


def test_it_refuses_a_commitment_owner_outside_the_deal(bob, charlie, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    with pytest.raises(ValidationError) as error:
        commitment_add(actor=bob, session=session, action="x", owner=charlie, due_on=TODAY)
    assert "owner" in error.value.message_dict


def test_closing_a_commitment_asks_what_happened(bob, alice, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    commitment = commitment_add(actor=bob, session=session, action="x", owner=alice, due_on=TODAY)
    with pytest.raises(ValidationError) as error:
        commitment_close(actor=alice, commitment=commitment, status="done", outcome="  ")
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError):
        commitment_close(actor=alice, commitment=commitment, status="maybe", outcome="hm")
    commitment_close(actor=alice, commitment=commitment, status="dropped", outcome="CFO left the company")
    with pytest.raises(ValidationError):
        commitment_close(actor=alice, commitment=commitment, status="done", outcome="again")


def test_it_sends_overdue_commitments_in_the_digest_exactly_once(bob, alice, alice_deal):
    alice.email = "alice@example.com"
    alice.save()
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    late = commitment_add(actor=bob, session=session, action="Book the EB meeting", owner=alice, due_on=TODAY)
    commitment_add(actor=bob, session=session, action="Not yet due", owner=alice, due_on=TODAY + dt.timedelta(days=3))
    assert overdue_commitment_digests_send(as_of=TODAY) == 0
    assert overdue_commitment_digests_send(as_of=TODAY + dt.timedelta(days=1)) == 1
    assert overdue_commitment_digests_send(as_of=TODAY + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1
    assert "Book the EB meeting" in mail.outbox[0].body and "Not yet due" not in mail.outbox[0].body
    late.refresh_from_db()
    assert late.overdue_notified_at is not None


def test_it_shows_the_rsvp_trend_since_the_last_session(bob, alice_deal):
    first = coaching_session_open(actor=bob, opportunity=alice_deal)
    coaching_session_close(actor=bob, session=first)
    second = coaching_session_open(actor=bob, opportunity=alice_deal)
    assert last_closed_session(opportunity=alice_deal, before=second) == first
    trend = {t.dimension: t for t in rsvp_trend(before={"relationships": 30, "value": 50},
                                                now={"relationships": 45, "value": 40})}
    assert trend["relationships"].direction == "better" and trend["value"].direction == "worse"


def test_cadence_flags_a_deal_uncoached_for_15_days_but_not_13(bob, alice, north):
    north.coaching_cadence_days, north.coaching_min_amount = 14, 50_000
    north.save()
    stale = OpportunityFactory(account__owner=alice, name="Stale")
    fresh = OpportunityFactory(account__owner=alice, name="Fresh")
    small = OpportunityFactory(account__owner=alice, name="Small", amount=10_000)
    with time_machine.travel(dt.datetime(2026, 11, 8, 9, 0, tzinfo=dt.UTC), tick=False):
        coaching_session_close(actor=bob, session=coaching_session_open(actor=bob, opportunity=stale))
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        coaching_session_close(actor=bob, session=coaching_session_open(actor=bob, opportunity=fresh))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        small.created_at = timezone.now()
    rows = uncoached_deals(user=bob, as_of=TODAY)
    assert [r.opportunity for r in rows] == [stale]
    assert rows[0].days_uncoached == 15


def test_cadence_counts_a_never_coached_deal_from_its_creation(bob, alice):
    deal = OpportunityFactory(account__owner=alice)
    type(deal).objects.filter(pk=deal.pk).update(created_at=timezone.now() - dt.timedelta(days=20))
    assert [r.opportunity for r in uncoached_deals(user=bob, as_of=TODAY)] == [deal]


def test_another_teams_manager_cannot_open_or_read_sessions(bob, dave, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    from django.http import Http404
    with pytest.raises(Http404):
        coaching_session_get_for_user(user=dave, session_id=session.pk)
    assert coaching_session_get_for_user(user=bob, session_id=session.pk) == session


def test_sessions_and_commitments_are_in_the_audit_history(bob, alice, alice_deal):
    from dealcoach.audit.context import audit_context
    from dealcoach.audit.models import AuditEvent

    with audit_context(actor=bob, source="web"):
        session = coaching_session_open(actor=bob, opportunity=alice_deal)
        commitment = commitment_add(actor=bob, session=session, action="Meet the CFO", owner=alice, due_on=TODAY)
        coaching_session_close(actor=bob, session=session)
    with audit_context(actor=alice, source="web"):
        commitment_close(actor=alice, commitment=commitment, status="done", outcome="Met her")
    events = AuditEvent.objects.filter(opportunity_id=alice_deal.pk)
    assert events.filter(resource="coaching_session", action="create", actor=bob).exists()
    closed = events.get(resource="coaching_session", action="update")
    assert closed.changes["status"] == ["open", "closed"] and "result_at_close" not in closed.changes
    done = events.get(resource="commitment", action="update", actor=alice)
    assert done.changes["status"] == ["open", "done"]
