"""Brute-force lockout, session lifetimes, session rotation and the security log."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_out_the_sixth_attempt_after_five_failures(client, alice):
    for _ in range(4):
        response = _login(client, "alice", "wrong-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    # The fifth failure is answered with the lockout page, and so is the sixth attempt, right password or not.
    assert _login(client, "alice", "wrong-password").status_code == 429
    response = _login(client, "alice", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_only_the_username_and_ip_pair(client, alice, charlie):
    for _ in range(5):
        _login(client, "alice", "wrong-password")
    assert _login(client, "alice", TEST_PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert _login(client, "charlie", TEST_PASSWORD).status_code == 302


def test_it_lets_the_user_back_in_after_fifteen_minutes(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(client, "alice", "wrong-password")
        assert _login(client, "alice", TEST_PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert _login(client, "alice", TEST_PASSWORD).status_code == 302


def test_it_rotates_the_session_key_at_login(client, alice):
    client.get(reverse("login"))
    session = client.session
    session["before_login"] = True
    session.save()
    key_before = session.session_key
    assert _login(client, "alice", TEST_PASSWORD).status_code == 302
    assert client.session.session_key != key_before
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_it_ends_an_idle_session_after_thirty_minutes(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "alice", TEST_PASSWORD)
        assert client.get("/api/v1/audit/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=25), tick=False):
        assert client.get("/api/v1/audit/").status_code == 200  # activity moves the idle limit on
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get("/api/v1/audit/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=81), tick=False):
        assert client.get("/api/v1/audit/").status_code in (401, 403)
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_ends_a_busy_session_twelve_hours_after_login(client, alice):
    start = timezone.now()
    for minutes in range(0, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            if minutes == 0:
                _login(client, "alice", TEST_PASSWORD)
            assert client.get("/api/v1/audit/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get("/api/v1/audit/").status_code in (401, 403)
    assert "_auth_user_id" not in client.session


def test_it_logs_authentication_events(client, alice, caplog):
    with caplog.at_level(logging.INFO, logger="dealcoach.security"):
        _login(client, "alice", "wrong-password")
        _login(client, "alice", TEST_PASSWORD)
        client.post(reverse("logout"))
        for _ in range(5):
            _login(client, "alice", "wrong-password", ip="10.9.9.9")
    messages = [r.getMessage() for r in caplog.records if r.name == "dealcoach.security"]
    assert any(m.startswith("login failed username='alice' ip=10.0.0.1") for m in messages)
    assert any(m.startswith("login user=alice#") for m in messages)
    assert any(m.startswith("logout user=alice#") for m in messages)
    assert any(m.startswith("login locked out username='alice' ip=10.9.9.9") for m in messages)


def test_it_logs_refused_access(client, alice, charlie, caplog):
    client.force_login(charlie)
    with caplog.at_level(logging.WARNING, logger="dealcoach.security"):
        client.get("/no-such-page/")
        client.logout()
        client.get("/api/v1/audit/")
    messages = [r.getMessage() for r in caplog.records if r.name == "dealcoach.security"]
    assert any(m.startswith("access refused status=404") and "user=charlie#" in m for m in messages)
    assert any(m.startswith("access refused status=40") and "path=/api/v1/audit/ user=anonymous" in m for m in messages)


def test_it_keeps_the_api_token_working(client, alice):
    from dealcoach.tokens import api_token_issue

    _, plain = api_token_issue(user=alice)
    response = client.get("/api/v1/audit/", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 200
    assert client.get("/api/v1/audit/", HTTP_AUTHORIZATION="Bearer dc_wrong").status_code == 401


def test_it_marks_pages_and_api_answers_no_store(client, alice):
    client.force_login(alice)
    for url in (reverse("login"), "/api/v1/audit/"):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_it_sends_a_content_security_policy(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy


def test_it_renews_an_unchanged_session_at_most_once_a_minute(client, alice):
    from django.contrib.sessions.models import Session

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "alice", TEST_PASSWORD)
        stored = Session.objects.get(session_key=client.session.session_key).expire_date
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert client.get("/api/v1/audit/").status_code == 200
        assert Session.objects.get(session_key=client.session.session_key).expire_date == stored
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        assert client.get("/api/v1/audit/").status_code == 200
        renewed = Session.objects.get(session_key=client.session.session_key).expire_date
        assert renewed == start + timedelta(seconds=90) + timedelta(minutes=30)
