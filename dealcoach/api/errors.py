"""One error shape everywhere under /api/:

    {"detail": "...", "code": "<stable machine-readable kind>", "errors": {field: [reasons]}}

`errors` is present for invalid input only. `code` is one per kind of error
(ERROR_CODES, plus DRF's own codes such as `authentication_failed` or
`parse_error`), so a connector can branch on it without reading English;
`detail` stays for people. Django ValidationErrors raised by services become
400s naming the field, so a bad value never turns into a 500.

Errors that happen outside DRF (an unknown URL, a body too large, a crash)
get the same JSON shape from the Django handlers below when the path is under
/api/; elsewhere the usual HTML pages."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# The default code of each status; DRF exceptions bring their own (`default_code`).
ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    428: "precondition_required",
    429: "throttled",
    500: "server_error",
    502: "bad_gateway",
    503: "unavailable",
}


def code_for_status(status_code: int) -> str:
    return ERROR_CODES.get(status_code, "client_error" if status_code < 500 else "server_error")


def error_body(status_code: int, detail: str, *, code: str | None = None, errors: dict | None = None) -> dict:
    body = {"detail": detail, "code": code or code_for_status(status_code)}
    if errors:
        body["errors"] = errors
    return body


def validation_error_dict(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def _code_of(exc: exceptions.APIException) -> str:
    detail_code = getattr(exc.detail, "code", None)
    return detail_code if isinstance(detail_code, str) else exc.default_code


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_dict(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers (JSON under /api/)
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        if not isinstance(data, dict):
            data = {"non_field_errors": data if isinstance(data, list) else [data]}
        response.data = error_body(400, "Invalid input.", code="invalid", errors=data)
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = error_body(response.status_code, str(response.data["detail"]), code=_code_of(exc))
    return response


def error_response(status_code: int, detail: str, errors: dict | None = None, *, code: str | None = None,
                   headers: dict | None = None) -> Response:
    return Response(error_body(status_code, detail, code=code, errors=errors), status=status_code, headers=headers)


class JSONErrorsMixin:
    """For views whose success is another type (CSV, iCalendar): an error goes
    out as `application/json`, whatever the caller asked for, so that clients
    (and generated ones) parse it as the API's error body."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


# --- Django's handlers (dealcoach/urls.py), JSON under /api/ -----------------------------

def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json(status_code: int, detail: str) -> JsonResponse:
    return JsonResponse(error_body(status_code, detail), status=status_code)


def bad_request(request, exception=None):
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return _json(413, "The request body is too large.")
        return _json(400, "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json(403, "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if _is_api(request):
        return _json(404, "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _json(500, "Server error. The X-Request-ID header identifies this request in our logs.")
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return _json(403, f"CSRF check failed: {reason}" if reason else "CSRF check failed.")
    return django_csrf_failure(request, reason=reason)
