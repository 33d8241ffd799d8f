"""Login lockouts and share-link rate limits key on the client's address: behind
the configured trusted proxies, the one they forwarded; without them,
X-Forwarded-For is ignored (any caller can send it)."""

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dealcoach.security import client_ip
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"


def request_from(forwarded_for: str | None):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


def test_it_ignores_x_forwarded_for_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("198.51.100.7")) == PROXY


def test_it_takes_the_address_the_trusted_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("198.51.100.7")) == "198.51.100.7"
    # What the client wrote itself stays to the left of what the proxy appended.
    assert client_ip(request_from("1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request_from(None)) == PROXY
    assert client_ip(request_from("not-an-address")) == PROXY
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("1.2.3.4, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"
    assert client_ip(request_from("198.51.100.7, 10.0.0.9")) == "198.51.100.7"
    assert client_ip(request_from("10.0.0.9")) == PROXY  # came through one proxy, not the two configured


def test_it_reads_ipv6_and_keys_one_spelling_per_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("2001:DB8:0::7")) == "2001:db8::7"
    assert client_ip(request_from("1.2.3.4, 2001:db8::7")) == "2001:db8::7"
    # An IPv4 client through a dual-stack socket is the same client as over IPv4.
    assert client_ip(request_from("::ffff:198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="::ffff:198.51.100.7")
    assert client_ip(request) == "198.51.100.7"


def test_it_falls_back_to_the_proxy_on_a_garbage_header(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for garbage in ("not-an-address", "1.2.3.4, not-an-address", ",,,", "999.1.1.1", "198.51.100.7:443"):
        assert client_ip(request_from(garbage)) == PROXY, garbage


def test_it_keeps_the_address_nginx_appended_where_django_ipware_takes_the_forged_one(settings):
    """Why client_ip does not delegate to django-ipware (docs/operations.md). nginx passes the
    client's X-Forwarded-For on and appends `, <client address>`. A header the client ends in an
    unclosed quote swallows what nginx appended, and ipware 8 (configured as closely as it allows:
    only X-Forwarded-For, the proxy nearest us not in the header) answers the address the client
    chose; in strict mode it refuses every header with a client-written part. If this test fails
    because ipware got it right, reconsider delegating to it."""
    from ipware import get_client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    forged_then_appended = '1.2.3.4, ", 198.51.100.7'
    assert client_ip(request_from(forged_then_appended)) == "198.51.100.7"

    def ipware(forwarded_for, strict):
        return get_client_ip(request_from(forwarded_for), proxy_count=settings.TRUSTED_PROXY_COUNT - 1,
                             request_header_order=["HTTP_X_FORWARDED_FOR"], strict=strict)[0]

    assert ipware("1.2.3.4, 198.51.100.7", strict=False) == "198.51.100.7"  # the ordinary case agrees
    assert ipware(forged_then_appended, strict=False) == "1.2.3.4"  # chosen by the client
    assert ipware("1.2.3.4, 198.51.100.7", strict=True) is None  # every such client on the proxy's key


def test_the_login_lockout_keys_on_the_forwarded_address(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def login(password, address):
        return client.post(reverse("login"), {"username": "alice", "password": password},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)

    for _ in range(5):
        login("wrong-password", "198.51.100.7")
    assert login(TEST_PASSWORD, "198.51.100.7").status_code == 429
    # Same proxy, another client: not locked out.
    assert login(TEST_PASSWORD, "198.51.100.8").status_code == 302


def test_the_share_link_limit_keys_on_the_forwarded_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    url = reverse("closeplan:public", kwargs={"token": "no-such-token"})
    with time_machine.travel(timezone.now().replace(second=5), tick=False):  # one rate window
        statuses = [client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
                    for _ in range(61)]
        assert statuses[-1] == 429
        assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code != 429
    cache.clear()
