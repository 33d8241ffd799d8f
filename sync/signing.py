"""Webhook signatures, as receivers check them.

Header: `X-Dealcoach-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`.
The timestamp is signed with the body so a captured delivery cannot be
replayed later: receivers should refuse a `t` more than a few minutes old.
Pure functions, no Django."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Dealcoach-Signature"


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature_compute(secret=secret, timestamp=timestamp, body=body)}"


def signature_check(*, secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """True when `header` signs `body` with `secret` and is at most
    `tolerance_seconds` old (what a receiver does)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, parts.get("v1", ""))
