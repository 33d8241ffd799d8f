"""`X-Request-ID` on every request and response.

A caller's (or proxy's) id is kept when it is a sane token, so one id follows a
request from the load balancer through our logs to the caller; anything else
(absent, too long, odd characters that could forge log lines) is replaced by a
fresh UUID. Runs first, so django-structlog's request middleware (which trusts
the header, DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID) binds this id to
every log line of the request, and every response, even a redirect or a
refusal, carries it back."""

from __future__ import annotations

import re
import uuid

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id_from(value: str | None) -> str:
    """The caller's id when acceptable, else a new UUID4."""
    if value and _ACCEPTABLE.match(value):
        return value
    return str(uuid.uuid4())


def request_id_of(request) -> str | None:
    return request.META.get(META_KEY) if request is not None else None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META[META_KEY] = request_id_from(request.META.get(META_KEY))
        response = self.get_response(request)
        response[HEADER] = request.META[META_KEY]
        return response
