"""Webhook URLs must point at the public internet: a subscriber must not be
able to make dealcoach POST into its own network (SSRF). The host is resolved
and every address it resolves to is checked, at subscription time and again
before each delivery (the DNS answer can change)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
        or ip.is_multicast or ip.is_unspecified or not ip.is_global
    )


def check_webhook_url(url: str) -> None:
    """Raise ValidationError({"url": [...]}) unless `url` is http(s) to a
    public address. `DEALCOACH_WEBHOOKS_ALLOW_PRIVATE` lifts the address rule
    (tests and on-premise receivers)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": ["Use an http:// or https:// URL with a host name."]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["Put credentials in the signature secret, not in the URL."]})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError({"url": ["The port is not a number between 0 and 65535."]}) from None
    if getattr(settings, "DEALCOACH_WEBHOOKS_ALLOW_PRIVATE", False):
        return
    try:
        answers = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"url": [f"The host {parts.hostname} does not resolve."]}) from None
    for *_, sockaddr in answers:
        if not _address_is_public(sockaddr[0]):
            raise ValidationError(
                {"url": [f"{parts.hostname} resolves to {sockaddr[0]}, a private, loopback or reserved address."]}
            )
