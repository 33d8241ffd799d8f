"""Issuing and checking API tokens (stored hashed)."""

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "dc_"


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def api_token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=plain[:10], key_hash=hash_token(plain))
    return token, plain


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(plain: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "user__team")
        .filter(key_hash=hash_token(plain), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token
