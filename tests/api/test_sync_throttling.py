"""Per-token throttling with 429 and an integer Retry-After (dealcoach/api/throttling.py)."""

import contextlib
import os
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from dealcoach.api.throttling import parse_rate
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"
# 10 s windows start on multiples of 10 s since the epoch: 12:00:02 is 2 s into one.
T0 = datetime(2026, 3, 2, 12, 0, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def low_rate(settings):
    settings.DEALCOACH_API_RATE = "3/10s"
    cache.clear()
    yield
    with contextlib.suppress(Exception):  # one test points the cache at a closed port
        cache.clear()


def test_it_answers_429_with_an_integer_retry_after(alice):
    client = client_for(alice)
    with time_machine.travel(T0, tick=False) as clock:
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(URL)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "8"
        assert "throttled" in refused.json()["detail"].lower()

        clock.shift(timedelta(seconds=7.5))
        assert client.get(URL)["Retry-After"] == "1"  # rounded up, never 0
        clock.shift(timedelta(seconds=0.5))
        assert client.get(URL).status_code == 200


def test_it_counts_each_token_separately(alice):
    first, second = client_for(alice), client_for(alice)
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            first.get(URL)
        assert first.get(URL).status_code == 429
        assert second.get(URL).status_code == 200


def test_it_throttles_session_users_too(alice):
    client = APIClient()
    client.force_login(alice)
    with time_machine.travel(T0, tick=False):
        codes = [client.get(URL).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_it_throttles_posts_and_releases_their_idempotency_key(alice, settings):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True
    client = client_for(alice)
    body = {"url": "http://127.0.0.1:9/hook", "events": ["flag.raised"]}
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            client.get(URL)
        refused = client.post("/api/v1/webhooks/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
        assert refused.status_code == 429
        clock.shift(timedelta(seconds=10))
        retried = client.post("/api/v1/webhooks/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried


def test_it_counts_in_redis_when_the_cache_is_redis(alice, settings):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"],
    }}
    cache.clear()
    client = client_for(alice)
    with time_machine.travel(T0, tick=False):
        codes = [client.get(URL).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_it_lets_requests_through_when_the_cache_is_down(alice, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }}
    client = client_for(alice)
    started = time.monotonic()
    codes = [client.get(URL).status_code for _ in range(5)]
    assert codes == [200] * 5
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("rate", "expected"), [
    ("100/10s", (100, 10)), ("1000/m", (1000, 60)), ("5/2h", (5, 7200)), ("7/day", (7, 86400)),
])
def test_it_parses_rates(rate, expected):
    assert parse_rate(rate) == expected


def test_it_refuses_a_malformed_rate():
    with pytest.raises(ValueError, match="100/10s"):
        parse_rate("fast")
