"""Webhook signatures, per the Standard Webhooks specification
(https://www.standardwebhooks.com), so receivers verify with a ready-made
library (`standardwebhooks` on PyPI and npm, Svix's libraries, ...):

    webhook-id: <delivery id>            same on every retry of the delivery: dedupe on it
    webhook-timestamp: <unix seconds>    when this attempt was signed
    webhook-signature: v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>

The id and the timestamp are signed with the body: a captured delivery can
neither be replayed later nor passed off as another delivery. The key is the
subscription's secret: `whsec_<base64 bytes>` (what dealcoach generates) is
decoded as the specification says; any other secret (chosen by a caller before
this format) signs as its UTF-8 bytes, i.e. receivers verify it with
`"whsec_" + base64(secret)`.

The former `X-Dealcoach-Signature: t=<ts>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`
header is still sent for receivers written against it (deprecated).

Pure functions, no Django."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
LEGACY_SIGNATURE_HEADER = "X-Dealcoach-Signature"


def secret_generate() -> str:
    """A new signing secret in the Standard Webhooks format (32 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode()


def signature_headers(*, secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery attempt: the Standard Webhooks three, plus the legacy one."""
    signature = Webhook(signing_key(secret)).sign(
        msg_id=message_id, timestamp=datetime.fromtimestamp(timestamp, tz=UTC), data=body.decode(),
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
        LEGACY_SIGNATURE_HEADER: legacy_signature_header(secret=secret, timestamp=timestamp, body=body),
    }


# --- the deprecated X-Dealcoach-Signature -----------------------------------------------

def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def legacy_signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature_compute(secret=secret, timestamp=timestamp, body=body)}"


def signature_check(*, secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """True when the legacy `header` signs `body` with `secret` and is at most
    `tolerance_seconds` old (what a receiver of the old header does)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, parts.get("v1", ""))
