"""Per-token throttling: `DEALCOACH_API_RATE` requests per window (default
"100/10s"), answered with 429 and an integer `Retry-After`.

A fixed window counted with the cache's atomic `incr` (one round trip per
request on Redis, correct under concurrent workers), keyed by API token, else
by session user, else by client address. A fixed window may let through up to
twice the rate across a window boundary; in exchange the Retry-After is exact.
If the cache is down the request is let through: throttling protects the
service, it must never be the thing that fails it.

Every throttled response says where the caller stands, per the IETF
RateLimit header fields draft: `RateLimit-Limit` (requests per window),
`RateLimit-Remaining`, `RateLimit-Reset` (seconds until the window ends) and
`RateLimit-Policy` (`100;w=10`). The throttle notes them on the request;
`RateLimitHeadersMiddleware` writes them on the response, whatever its status."""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from dealcoach.models import ApiToken
from dealcoach.security import client_ip

logger = logging.getLogger("dealcoach.api.throttling")

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULT_RATE = "100/10s"


def parse_rate(rate: str) -> tuple[int, int]:
    """"100/10s" → (100, 10); "1000/m" → (1000, 60); "5/2h" → (5, 7200)."""
    match = _RATE.match(rate or "")
    if not match:
        raise ValueError(f"A rate looks like '100/10s' or '1000/m', not {rate!r}.")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNIT_SECONDS[unit]


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_seconds: int
    window: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


class TokenRateThrottle(BaseThrottle):
    scope = "api"

    def __init__(self):
        self.retry_after: float | None = None

    def identity(self, request) -> str:
        if isinstance(request.auth, ApiToken):
            return f"token:{request.auth.pk}"
        if request.user is not None and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{client_ip(request)}"

    def allow_request(self, request, view) -> bool:
        limit, window = parse_rate(getattr(settings, "DEALCOACH_API_RATE", DEFAULT_RATE))
        now = time.time()
        window_start = int(now // window) * window
        key = f"throttle:{self.scope}:{self.identity(request)}:{window}:{window_start}"
        try:
            cache.add(key, 0, timeout=window + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window + 1)
                count = 1
        except Exception:  # noqa: BLE001 - cache outage: fail open
            logger.warning("Throttle cache unavailable; letting the request through.", exc_info=True)
            return True
        reset = max(1, math.ceil(window_start + window - now))
        # On the Django request, which the middleware below sees.
        request._request.rate_limit = RateLimitState(limit, max(0, limit - count), reset, window)
        if count <= limit:
            return True
        self.retry_after = reset
        return False

    def wait(self) -> float | None:
        return self.retry_after


class RateLimitHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response
