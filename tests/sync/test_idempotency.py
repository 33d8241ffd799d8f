"""Idempotency-Key on POSTs under /api/v1/ (sync/idempotency.py)."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from dealcoach.tokens import api_token_issue
from sync.idempotency import IdempotencyKeyMiddleware, request_fingerprint, request_scope
from sync.idempotency_store import idempotency_key_claim, idempotency_keys_prune
from sync.models import IdempotencyKey, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
BODY = {"url": "http://127.0.0.1:9/hooks", "events": ["opportunity.updated"]}


@pytest.fixture(autouse=True)
def private_webhooks_allowed(settings):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True


def client_for(user) -> tuple[APIClient, str]:
    _, plain = api_token_issue(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client, plain


def post(client, body=BODY, key="key-1", url=URL):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_it_replays_the_first_response_for_the_same_key_and_body(alice):
    client, _ = client_for(alice)
    first = post(client)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first

    again = post(client)

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == "application/json"
    assert json.loads(again.content) == first.json()
    assert WebhookSubscription.objects.filter(owner=alice).count() == 1


def test_it_answers_422_for_the_same_key_with_a_different_body(alice):
    client, _ = client_for(alice)
    assert post(client).status_code == 201

    response = post(client, body={**BODY, "events": ["opportunity.created"]})

    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert WebhookSubscription.objects.filter(owner=alice).count() == 1


def test_it_answers_422_for_the_same_key_on_another_path(alice):
    client, _ = client_for(alice)
    assert post(client).status_code == 201
    assert post(client, url="/api/v1/webhooks/?x=1").status_code == 422


def test_it_answers_409_while_the_first_request_is_still_running(alice):
    client, plain = client_for(alice)
    body = json.dumps(BODY).encode()
    request = RequestFactory().post(URL, data=body, content_type="application/json")
    claim, record = idempotency_key_claim(
        scope=request_scope(RequestFactory().post(URL, HTTP_AUTHORIZATION=f"Bearer {plain}")),
        key="key-1", request_hash=request_fingerprint(request, body),
    )
    assert record.state == IdempotencyKey.State.IN_PROGRESS

    response = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert not WebhookSubscription.objects.exists()


def test_it_answers_409_to_a_retry_sent_while_the_first_request_runs(alice):
    """The retry arrives while the first request is inside its view."""
    _, plain = client_for(alice)
    factory = RequestFactory()
    retry_answers = []

    def make_request():
        return factory.post(URL, data=BODY, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {plain}", HTTP_IDEMPOTENCY_KEY="key-1")

    def slow_view(request):
        retry_answers.append(middleware(make_request()).status_code)
        return HttpResponse(b'{"ok": true}', status=201, content_type="application/json")

    middleware = IdempotencyKeyMiddleware(slow_view)
    first = middleware(make_request())

    assert first.status_code == 201
    assert retry_answers == [409]
    replay = middleware(make_request())
    assert (replay.status_code, replay["Idempotent-Replayed"], replay.content) == (201, "true", b'{"ok": true}')


def test_it_releases_the_key_when_the_request_fails(alice):
    _, plain = client_for(alice)
    answers = iter([HttpResponse(status=503), HttpResponse(b"{}", status=201, content_type="application/json")])
    middleware = IdempotencyKeyMiddleware(lambda request: next(answers))

    def send():
        return middleware(RequestFactory().post(
            URL, data=BODY, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {plain}", HTTP_IDEMPOTENCY_KEY="key-1",
        ))

    assert send().status_code == 503
    assert not IdempotencyKey.objects.exists()
    retried = send()
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried


def test_it_releases_the_key_when_the_view_raises(alice):
    _, plain = client_for(alice)

    def broken_view(request):
        raise RuntimeError("boom")

    middleware = IdempotencyKeyMiddleware(broken_view)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().post(URL, data=BODY, content_type="application/json",
                                         HTTP_AUTHORIZATION=f"Bearer {plain}", HTTP_IDEMPOTENCY_KEY="k"))
    assert not IdempotencyKey.objects.exists()


def test_it_stores_and_replays_a_validation_error(alice):
    client, _ = client_for(alice)
    first = post(client, body={"url": "ftp://example.com/x", "events": ["opportunity.updated"]})
    assert first.status_code == 400
    again = post(client, body={"url": "ftp://example.com/x", "events": ["opportunity.updated"]})
    assert again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"


def test_it_scopes_keys_per_token(alice, bob):
    alice_client, _ = client_for(alice)
    other_alice_client, _ = client_for(alice)
    bob_client, _ = client_for(bob)
    assert post(alice_client).status_code == 201
    for client in (other_alice_client, bob_client):
        response = post(client)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert WebhookSubscription.objects.count() == 3


def test_it_scopes_keys_per_user_for_session_auth(alice):
    client = APIClient()
    client.force_login(alice)
    assert post(client).status_code == 201
    assert post(client)["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().scope == f"user:{alice.pk}"


def test_it_does_not_store_unauthenticated_requests(db):
    response = APIClient().post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code in (401, 403)
    assert not IdempotencyKey.objects.exists()
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Bearer dc_not-a-token")
    assert post(bad_token).status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_it_refuses_an_overlong_key(alice):
    client, _ = client_for(alice)
    response = post(client, key="k" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_it_leaves_requests_without_a_key_alone(alice):
    client, _ = client_for(alice)
    assert client.post(URL, BODY, format="json").status_code == 201
    assert client.post(URL, BODY, format="json").status_code == 201
    assert not IdempotencyKey.objects.exists()
    assert WebhookSubscription.objects.count() == 2


def test_it_keeps_keys_at_least_24_hours(alice):
    client, _ = client_for(alice)
    assert post(client).status_code == 201
    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
        assert idempotency_keys_prune() == 0
        assert post(client)["Idempotent-Replayed"] == "true"
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert idempotency_keys_prune() == 1
        again = post(client)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again


def test_it_lets_a_retry_take_over_a_key_abandoned_by_a_dead_worker(alice):
    client, plain = client_for(alice)
    body = json.dumps(BODY).encode()
    request = RequestFactory().post(URL, data=body, content_type="application/json")
    with time_machine.travel(timezone.now() - timedelta(minutes=10)):
        idempotency_key_claim(
            scope=request_scope(RequestFactory().post(URL, HTTP_AUTHORIZATION=f"Bearer {plain}")),
            key="key-1", request_hash=request_fingerprint(request, body),
        )
    response = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code == 201


def test_it_documents_the_header_and_answers_in_the_schema(alice):
    client = APIClient()
    client.force_login(alice)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    create = schema["paths"]["/api/v1/webhooks/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert {"409", "422", "429"} <= set(create["responses"])
    assert "429" in schema["paths"]["/api/v1/changes/"]["get"]["responses"]
