"""Finding 6 of issue 18: the URL check resolved the host, then urllib resolved
it again; a resolver answering a public address first and 127.0.0.1 second got
the signed POST to loopback. And http://192.0.0.8/ (reserved, not global) was
accepted. Deliveries now connect to the checked address, keeping the host name
for the Host header and for TLS."""

import socket
import ssl

import pytest
from django.core.exceptions import ValidationError

from deals.services import opportunity_update
from sync.delivery import PinnedHTTPSConnection
from sync.models import WebhookDelivery
from sync.tasks import deliver_webhooks
from sync.urlcheck import ResolvedURL, check_webhook_url
from tests.sync.test_webhooks import Receiver, subscribe

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.215.14"


@pytest.mark.parametrize("url", ["http://192.0.0.8/", "http://198.18.0.1/", "http://[2001:db8::1]/",
                                 "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/"])
def test_it_refuses_reserved_addresses_that_is_global_used_to_let_through(settings, url):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        check_webhook_url(url)


def test_a_rebinding_resolver_cannot_send_the_delivery_to_loopback(alice, alice_deal, settings, monkeypatch):
    with Receiver([204]) as receiver:
        port = receiver.server.server_port
        settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True  # to subscribe to a name the sandbox cannot resolve
        subscribe(alice, f"http://rebind.example:{port}/hooks")
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "Rebound"})
        settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = False
        settings.DEALCOACH_WEBHOOK_TIMEOUT_SECONDS = 1
        real_getaddrinfo = socket.getaddrinfo
        answers = iter([PUBLIC] + ["127.0.0.1"] * 10)  # public for the check, loopback afterwards

        def rebinding(host, *args, **kwargs):
            if host != "rebind.example":
                return real_getaddrinfo(host, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

        connected = []

        def refuse(address, *args, **kwargs):
            connected.append(address)
            raise ConnectionRefusedError("no route from the test sandbox")

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        monkeypatch.setattr("sync.delivery.socket.create_connection", refuse)
        deliver_webhooks()
        assert receiver.requests == []  # nothing reached loopback
        assert connected == [(PUBLIC, port)]  # the checked address, once
        delivery = WebhookDelivery.objects.get()
        assert delivery.status != "delivered"


def test_https_keeps_the_host_name_for_sni_and_certificate_checks(monkeypatch):
    resolved = ResolvedURL(scheme="https", host="hooks.example.com", port=443, target="/x", address=PUBLIC)
    seen = {}

    class Context:
        def wrap_socket(self, sock, server_hostname):
            seen["server_hostname"] = server_hostname
            return sock

    monkeypatch.setattr("sync.delivery.socket.create_connection", lambda address, timeout: seen.setdefault(
        "address", address))
    connection = PinnedHTTPSConnection(resolved, timeout=1, context=ssl.create_default_context())
    connection._context = Context()
    connection.connect()
    assert seen == {"address": (PUBLIC, 443), "server_hostname": "hooks.example.com"}
    assert connection.host == "hooks.example.com"  # the Host header http.client sends


def test_deliveries_still_reach_a_receiver_by_name(alice, alice_deal, settings):
    settings.DEALCOACH_WEBHOOKS_ALLOW_PRIVATE = True
    with Receiver([204]) as receiver:
        subscribe(alice, receiver.url.replace("127.0.0.1", "localhost"))
        opportunity_update(actor=alice, opportunity=alice_deal, data={"name": "By name"})
        deliver_webhooks()
        [(headers, _)] = receiver.requests
        assert headers["Host"].startswith("localhost:")
