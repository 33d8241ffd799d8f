"""Requests refused before any view runs, in the API's error shape under /api/
(plain text elsewhere): a body larger than Django accepts answers 413 (not
Django's HTML 400), and a NUL character in the path or the query string
answers 400 (PostgreSQL text cannot hold one: it was a 500 at the first query)."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from dealcoach.api.errors import error_body

API_PREFIX = "/api/"


def refusal(request, status: int, detail: str, *, code: str, errors: dict | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(status, detail, code=code, errors=errors), status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def body_too_large(request) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return refusal(request, 413, f"The request body is larger than {limit // 1024} KB; send less per request.",
                   code="payload_too_large")


class RequestSanityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query):
            return refusal(request, 400, "NUL characters are not accepted in the URL.", code="nul_character")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit and not request.content_type.startswith("multipart/"):
            return body_too_large(request)
        return self.get_response(request)
