"""One error shape everywhere: {"errors": {field: [reasons]}, "detail": "..."}.

Django ValidationErrors raised by services become 400s naming the field, so a
bad value never turns into a 500."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def validation_error_dict(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):  # a body without Content-Length that grew past the limit
        return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "The request body is too large.",
                              code="request_too_large")
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_dict(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        if not isinstance(data, dict):
            data = {"non_field_errors": data if isinstance(data, list) else [data]}
        response.data = {"detail": "Invalid input.", "errors": data}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": response.data["detail"]}
    return response


def error_response(status_code: int, detail: str, errors: dict | None = None, *, code: str | None = None) -> Response:
    body = {"detail": detail}
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code)
