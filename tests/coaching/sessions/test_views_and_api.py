import datetime as dt

import pytest
from django.urls import reverse

from coaching.rsvp.models import CoachingQuestion
from coaching.sessions.models import CoachingSession, Commitment
from coaching.sessions.services import coaching_session_close, coaching_session_open, commitment_add
from dealcoach.tokens import api_token_issue

pytestmark = pytest.mark.django_db


def bearer(client, user):
    _, plain = api_token_issue(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def test_it_starts_a_session_from_the_deal_page(client, bob, alice_deal):
    client.force_login(bob)
    response = client.post(reverse("coaching_sessions:start", args=[alice_deal.pk]))
    session = CoachingSession.objects.get()
    assert response.status_code == 302 and response.url == reverse("coaching_sessions:detail", args=[session.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"weakest first" in page.content and b"Add commitment" in page.content


def test_it_records_an_answer_and_a_commitment_through_the_page(client, bob, alice, alice_deal):
    client.force_login(bob)
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    key = CoachingQuestion.objects.filter(active=True).first().key
    response = client.post(reverse("coaching_sessions:answer", args=[session.pk]),
                           {"question_key": key, "answer": "no", "evidence": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and session.answers.count() == 1
    response = client.post(reverse("coaching_sessions:commitment_add", args=[session.pk]), {
        "action": "Map the procurement steps", "owner": alice.pk, "due_on": "2099-01-01", "dimension": "process"})
    assert response.status_code == 200 and Commitment.objects.get().owner == alice


def test_a_bad_commitment_names_the_field_and_keeps_the_input(client, bob, alice, alice_deal):
    client.force_login(bob)
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    response = client.post(reverse("coaching_sessions:commitment_add", args=[session.pk]), {
        "action": "Meet the CFO", "owner": alice.pk, "due_on": "2001-01-01"})
    assert response.status_code == 400
    assert b"The due date cannot be in the past." in response.content
    assert b'value="Meet the CFO"' in response.content
    assert not Commitment.objects.exists()


def test_the_rep_sees_and_closes_a_commitment_on_the_desk(client, bob, alice, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    commitment = commitment_add(actor=bob, session=session, action="Meet the CFO", owner=alice,
                                due_on=dt.date(2099, 1, 1))
    client.force_login(alice)
    desk = client.get(reverse("deals:my_deals"))
    assert b"Meet the CFO" in desk.content and b"desk-commitments" in desk.content
    bad = client.post(reverse("coaching_sessions:commitment_close", args=[commitment.pk]),
                      {"status": "done", "outcome": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and b"outcome" in bad.content
    ok = client.post(reverse("coaching_sessions:commitment_close", args=[commitment.pk]),
                     {"status": "done", "outcome": "Met her Tuesday"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    commitment.refresh_from_db()
    assert commitment.status == "done"


def test_another_teams_manager_gets_404_everywhere(client, bob, dave, alice, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    commitment = commitment_add(actor=bob, session=session, action="x", owner=alice, due_on=dt.date(2099, 1, 1))
    client.force_login(dave)
    assert client.post(reverse("coaching_sessions:start", args=[alice_deal.pk])).status_code == 404
    for name in ("detail", "print"):
        assert client.get(reverse(f"coaching_sessions:{name}", args=[session.pk])).status_code == 404
    for name in ("answer", "notes", "commitment_add", "close"):
        assert client.post(reverse(f"coaching_sessions:{name}", args=[session.pk])).status_code == 404
    assert client.post(reverse("coaching_sessions:commitment_close", args=[commitment.pk])).status_code == 404
    bearer(client, dave)
    assert client.get(f"/api/v1/opportunities/{alice_deal.pk}/coaching-sessions/").status_code == 404
    assert client.get(f"/api/v1/coaching-sessions/{session.pk}/").status_code == 404
    assert client.get("/api/v1/commitments/").json()["results"] == []
    assert client.post(f"/api/v1/commitments/{commitment.pk}/close/",
                       {"status": "done", "outcome": "x"}, content_type="application/json").status_code == 404


def test_the_api_lists_sessions_and_filters_commitments(client, bob, alice, alice_deal):
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    commitment_add(actor=bob, session=session, action="Late one", owner=alice, due_on=dt.date.today())
    coaching_session_close(actor=bob, session=session)
    bearer(client, bob)
    sessions = client.get(f"/api/v1/opportunities/{alice_deal.pk}/coaching-sessions/").json()
    assert sessions[0]["status"] == "closed" and sessions[0]["commitments"][0]["action"] == "Late one"
    listed = client.get("/api/v1/commitments/", {"owner": "alice", "status": "open"}).json()["results"]
    assert [c["action"] for c in listed] == ["Late one"]
    assert client.get("/api/v1/commitments/", {"overdue": "true"}).json()["results"] == []
    assert client.get("/api/v1/commitments/", {"status": "maybe"}).status_code == 400
    created = client.post(f"/api/v1/opportunities/{alice_deal.pk}/coaching-sessions/")
    assert created.status_code == 201 and created.json()["kind"] == "manager"


def test_a_closed_session_page_is_read_only_and_printable(client, bob, alice_deal):
    session = coaching_session_close(actor=bob, session=coaching_session_open(actor=bob, opportunity=alice_deal))
    client.force_login(bob)
    page = client.get(reverse("coaching_sessions:detail", args=[session.pk]))
    assert b"Add commitment" not in page.content and b'data-testid="session-closed"' in page.content
    printed = client.get(reverse("coaching_sessions:print", args=[session.pk]))
    assert printed.status_code == 200 and b"Coaching summary" in printed.content


def test_the_review_shows_uncoached_deals_overdue_commitments_and_trends(client, bob, alice, north):
    from django.utils import timezone

    from coaching.rsvp.services import deal_scores_recompute
    from tests.factories import OpportunityFactory

    uncoached = OpportunityFactory(account__owner=alice, name="Uncoached whale")
    type(uncoached).objects.filter(pk=uncoached.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    coached = OpportunityFactory(account__owner=alice, name="Coached deal")
    session = coaching_session_open(actor=bob, opportunity=coached)
    Commitment.objects.create(session=session, opportunity=coached, action="Overdue thing", owner=alice,
                              due_on=dt.date.today() - dt.timedelta(days=2), created_by=bob,
                              created_at=timezone.now())
    coaching_session_close(actor=bob, session=session)
    deal_scores_recompute(opportunity_ids=[coached.pk])
    client.force_login(bob)
    review = client.get(reverse("review:weekly"))
    assert b"coaching-cadence-slot" in review.content
    fragment = client.get(reverse("review:coaching_cadence"))
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "Uncoached whale" in body and "Overdue thing" in body and "Coached deal" in body
    assert f'data-deal="{uncoached.pk}"' in body and f'data-deal="{coached.pk}"' not in body


def test_the_cadence_fragment_is_empty_for_a_rep(client, alice, alice_deal):
    client.force_login(alice)
    response = client.get(reverse("review:coaching_cadence"))
    assert response.status_code in (200, 404)
    assert alice_deal.name.encode() not in response.content
