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
