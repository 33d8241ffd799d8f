"""Webhook URLs must point at the public internet: a subscriber must not be
able to make dealcoach POST into its own network (SSRF). The host is resolved
and every address it resolves to is checked, at subscription time and again
before each delivery (the DNS answer can change) — and the delivery connects
to the address that was checked (`resolve_webhook_url` + `sync.delivery`), so
a resolver that answers a public address first and a private one second
(DNS rebinding) gains nothing."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

# Special-purpose ranges (IANA registries) that Python's `is_global` still calls global on the
# Python versions we run (it was corrected in 3.13), and translation prefixes that embed an
# IPv4 address of any kind.
NOT_GLOBAL = [ipaddress.ip_network(n) for n in (
    "192.0.0.0/24",       # IETF protocol assignments (192.0.0.8 was accepted)
    "192.88.99.0/24",     # 6to4 relay anycast (deprecated)
    "198.18.0.0/15",      # benchmarking
    "2001::/23",          # IETF protocol assignments (Teredo, ORCHID, ...)
    "2001:db8::/32",      # documentation
    "2002::/16",          # 6to4: embeds any IPv4 address
    "64:ff9b::/96",       # NAT64: embeds any IPv4 address
    "64:ff9b:1::/48",     # local-use NAT64
    "100::/64",           # discard-only
)]
GLOBAL_EXCEPTIONS = [ipaddress.ip_network(n) for n in ("192.0.0.9/32", "192.0.0.10/32")]


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in GLOBAL_EXCEPTIONS):
        return True
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in NOT_GLOBAL)


@dataclass(frozen=True)
class ResolvedURL:
    """A checked webhook URL and the one address a delivery connects to."""

    scheme: str
    host: str
    port: int
    target: str  # path and query
    address: str


def _parse(url: str):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": ["Use an http:// or https:// URL with a host name."]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["Put credentials in the signature secret, not in the URL."]})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError({"url": ["The port is not a number between 0 and 65535."]}) from None
    return parts, port


def _allow_private() -> bool:
    return getattr(settings, "DEALCOACH_WEBHOOKS_ALLOW_PRIVATE", False)


def resolve_webhook_url(url: str) -> ResolvedURL:
    """Check `url` and resolve its host once; the delivery connects to the returned
    address. Raise ValidationError({"url": [...]}) unless it is http(s) to a public
    address (any address when `DEALCOACH_WEBHOOKS_ALLOW_PRIVATE`: tests and
    on-premise receivers)."""
    parts, port = _parse(url)
    try:
        answers = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        answers = []
    if not answers:
        raise ValidationError({"url": [f"The host {parts.hostname} does not resolve."]})
    if not _allow_private():
        for *_, sockaddr in answers:
            if not address_is_public(sockaddr[0]):
                raise ValidationError(
                    {"url": [f"{parts.hostname} resolves to {sockaddr[0]}, a private, loopback or reserved address."]}
                )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ResolvedURL(scheme=parts.scheme, host=parts.hostname, port=port, target=target,
                       address=answers[0][4][0])


def check_webhook_url(url: str) -> None:
    """Raise ValidationError({"url": [...]}) unless `url` is http(s) to a public
    address (at subscription time; `DEALCOACH_WEBHOOKS_ALLOW_PRIVATE` skips the
    address rule and the lookup)."""
    _parse(url)
    if not _allow_private():
        resolve_webhook_url(url)
