"""`Idempotency-Key` on every POST under /api/v1/, as Stripe does it.

A Django middleware, so every app's POST endpoints (bulk upserts included) get
it without changes:

- the same key with the same request (path and body) replays the first
  response, with `Idempotent-Replayed: true`;
- the same key with a different request gets 422;
- a retry while the first request is still running gets 409;
- a request that failed (5xx), was not authenticated or allowed (401/403) or
  was throttled (429) releases its key, so a retry runs again.

Keys are scoped per API token (by the token's hash; no lookup needed) or per
user for session auth, and kept at least 24 hours (`sync_cleanup` prunes).
Requests without credentials are passed through: they will get a 401 anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.http.request import RawPostDataException

from dealcoach.api.errors import error_body
from dealcoach.tokens import hash_token
from sync.idempotency_store import (
    Claim,
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
)

logger = logging.getLogger("sync.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 255
# Responses that say nothing about the operation itself: a retry should run it.
RELEASING_STATUSES = {401, 403, 429}
NOT_REPLAYED_HEADERS = {"set-cookie", "vary"}


def _json_response(status: int, body: dict, **headers: str) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    return response


def request_scope(request) -> str | None:
    """Whose key this is: the bearer token (its hash), else the session user."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return "token:" + hash_token(parts[1])
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def request_fingerprint(request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _key_problem(key: str) -> str | None:
    if not key or len(key) > MAX_KEY_LENGTH:
        return f"An idempotency key is 1 to {MAX_KEY_LENGTH} characters."
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        return "An idempotency key cannot contain control characters."
    return None


class IdempotencyKeyMiddleware:
    """Place after AuthenticationMiddleware (session users are known then)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        problem = _key_problem(key)
        if problem:
            return _json_response(400, error_body(400, "Invalid input.", errors={HEADER: [problem]}))
        scope = request_scope(request)
        if scope is None:
            return self.get_response(request)
        try:
            body = request.body
        except (RequestDataTooBig, RawPostDataException):
            return self.get_response(request)

        claim, record = idempotency_key_claim(scope=scope, key=key, request_hash=request_fingerprint(request, body))
        if claim is Claim.MISMATCH:
            return _json_response(422, error_body(
                422, "This Idempotency-Key was already used for a different request "
                     "(another path or body). Use a new key for a new request.",
                code="idempotency_key_reused",
            ))
        if claim is Claim.IN_PROGRESS:
            return _json_response(
                409, error_body(409, "A request with this Idempotency-Key is still being processed; retry shortly.",
                                code="idempotency_key_in_progress"),
                **{"Retry-After": "1"},
            )
        if claim is Claim.REPLAY:
            return self._replay(record)

        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_key_release(record=record)
            raise
        if response.streaming or response.status_code >= 500 or response.status_code in RELEASING_STATUSES:
            idempotency_key_release(record=record)
            return response
        headers = {name: value for name, value in response.items() if name.lower() not in NOT_REPLAYED_HEADERS}
        idempotency_key_complete(
            record=record, status=response.status_code, headers=headers, body=bytes(response.content)
        )
        return response

    @staticmethod
    def _replay(record) -> HttpResponse:
        response = HttpResponse(bytes(record.response_body), status=record.response_status)
        for name, value in record.response_headers.items():
            response[name] = value
        response[REPLAYED_HEADER] = "true"
        return response


# --- OpenAPI ------------------------------------------------------------------------

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "errors": {"type": "object"}},
    "required": ["detail"],
}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}


def document_idempotency_and_throttling(result, generator, request, public):
    """drf-spectacular postprocessing hook: every POST documents the
    Idempotency-Key header and its 400/409/422 answers; every operation its
    429 (throttling, with Retry-After)."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("429", {
                **_error_response("Too many requests: wait the number of seconds in Retry-After."),
                "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
            })
            if method != "post":
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
                parameters.append({
                    "in": "header",
                    "name": HEADER,
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                    "description": "Makes the POST safe to retry: the same key with the same body replays the "
                                   "first response (header Idempotent-Replayed: true). Kept at least 24 hours.",
                })
            responses.setdefault("400", _error_response("Invalid input (including an invalid Idempotency-Key)."))
            responses.setdefault("409", _error_response("A request with this Idempotency-Key is still running."))
            responses.setdefault("422", _error_response("This Idempotency-Key was used for a different request."))
    return result
