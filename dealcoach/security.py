"""Session, caching and lockout policy, and the security event log.

- `LockoutBackend` puts django-axes in front of the password check (5 failures
  per username + IP lock that pair out for 15 minutes; see settings).
- `AbsoluteSessionMiddleware` ends a session 12 hours after login however
  active it is; the 30-minute idle limit is SESSION_COOKIE_AGE with
  SESSION_SAVE_EVERY_REQUEST.
- `NoStoreMiddleware` keeps every dynamic response (deal data, the API, a
  buyer's plan) out of browser and proxy caches.
- `RefusedAccessLogMiddleware` and the auth signal receivers below write to the
  `dealcoach.security` logger: logins, logouts, failures, lockouts and every
  401 / 403 / 404 answer (a 404 is how we refuse another team's objects).
"""

from __future__ import annotations

import ipaddress
import logging
import time

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("dealcoach.security")

SESSION_STARTED_KEY = "_dealcoach_auth_started_at"
REFUSED_STATUSES = {401, 403, 404, 429}


def client_ip(request) -> str:
    """The client's address, for rate limits, lockouts and logs.

    Behind TRUSTED_PROXY_COUNT proxies, each of which appends the address it
    received the request from to X-Forwarded-For, the client is that many
    entries from the right; anything further left was sent by the client and
    may be forged. Without a configured proxy the header is ignored, since any
    caller can send it. An IPv4 client seen through a dual-stack socket
    (`::ffff:198.51.100.7`) is keyed as its IPv4 address.

    This is Werkzeug ProxyFix's rule rather than django-ipware's
    `get_client_ip`: configured as closely as it allows, ipware 8 still returns
    an address the client chose when the client's own header ends in an unclosed
    quote, and its strict mode keys every client that sends the header on the
    proxy's address (docs/operations.md, "Client address behind proxies")."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return _canonical(remote) or remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < hops:
        return _canonical(remote) or remote  # did not come through the expected proxies
    return _canonical(chain[-hops]) or _canonical(remote) or remote


def _canonical(address: str) -> str | None:
    """One spelling per address (`2001:DB8:0::7` is `2001:db8::7`), or None if it is not one."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed)


def _user_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return f"{user.username}#{user.pk}"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when there is no HTTP request.

    Every login form (ours, the admin's) passes `request`; authentication
    without one (management commands, the test client's `login()`) has no
    client address to lock out, so it goes straight to the password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: axes' page (AXES_LOCKOUT_TEMPLATE, 429) plus `Retry-After`,
    the seconds until the cool-off ends, so a client knows when to try again."""
    from axes.helpers import get_cool_off, get_failure_limit
    from django.shortcuts import render

    cool_off = get_cool_off(request) or settings.AXES_COOLOFF_TIME
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE,
                      {"failure_limit": get_failure_limit(request, credentials), "cooloff_timedelta": cool_off},
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


class AbsoluteSessionMiddleware:
    """Log the user out once their session is older than
    SESSION_ABSOLUTE_AGE seconds since login, active or not (ASVS V7.3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                # Sessions opened without the login view (e.g. force_login) start now.
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_AGE:
                logger.info(
                    "session expired (absolute limit) user=%s ip=%s", _user_label(user), client_ip(request)
                )
                logout(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every dynamic response that did not choose
    its own caching. Static files are served above this middleware (whitenoise)
    and keep their long cache lifetimes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class RefusedAccessLogMiddleware:
    """Log every refused request: 401 / 403 / 404 / 429, with who and where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in REFUSED_STATUSES:
            logger.warning(
                "access refused status=%s method=%s path=%s user=%s ip=%s",
                response.status_code, request.method, request.path,
                _user_label(getattr(request, "user", None)), client_ip(request),
            )
        return response


@receiver(user_logged_in, dispatch_uid="security_log_login")
def log_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = time.time()
    logger.info("login user=%s ip=%s", _user_label(user), client_ip(request))


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def log_logout(sender, request, user, **kwargs):
    logger.info("logout user=%s ip=%s", _user_label(user), client_ip(request))


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    logger.warning("login failed username=%r ip=%s", credentials.get("username", ""), client_ip(request))


@receiver(user_locked_out, dispatch_uid="security_log_locked_out")
def log_locked_out(sender, request, username, ip_address, **kwargs):
    logger.warning("login locked out username=%r ip=%s", username, ip_address)
