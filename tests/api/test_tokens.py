"""API tokens: issued once, stored hashed, revocable; a token sees what its user sees."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from dealcoach.models import ApiToken
from dealcoach.tokens import hash_token

pytestmark = pytest.mark.django_db


def issue(username, capsys) -> str:
    call_command("issue_api_token", username, "--name", "CRM sync")
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_it_issues_a_token_printed_once_and_stored_hashed(alice, capsys):
    plain = issue("alice", capsys)
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == hash_token(plain) and plain not in token.key_hash and token.name == "CRM sync"


def test_it_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No active user"):
        call_command("issue_api_token", "nobody")


def test_a_token_sees_exactly_what_its_user_sees(alice, alice_deal, charlie_deal, capsys):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue('alice', capsys)}")
    ids = [o["id"] for o in client.get("/api/v1/opportunities/").json()["results"]]
    assert ids == [alice_deal.id]
    assert client.get(f"/api/v1/opportunities/{charlie_deal.id}/").status_code == 404


def test_it_refuses_a_revoked_token_with_401(alice, capsys):
    plain = issue("alice", capsys)
    call_command("revoke_api_token", plain[:10])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    response = client.get("/api/v1/opportunities/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token.", "code": "authentication_failed"}


def test_it_refuses_revoking_an_unknown_prefix():
    with pytest.raises(CommandError, match="No active token"):
        call_command("revoke_api_token", "dc_nothing")


def test_it_refuses_requests_without_credentials(db):
    assert APIClient().get("/api/v1/opportunities/").status_code == 401


def test_it_records_last_use_at_most_once_a_minute(alice, capsys, django_assert_num_queries):
    plain = issue("alice", capsys)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/stages/")
        assert ApiToken.objects.get(user=alice).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        with django_assert_num_queries(2):  # the token, the stages; no write
            client.get("/api/v1/stages/")
        assert ApiToken.objects.get(user=alice).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/v1/stages/")
        assert ApiToken.objects.get(user=alice).last_used_at == start + timedelta(seconds=61)
