"""Shared pieces of every API endpoint: the documented error shape
(`ErrorSerializer`, `error_responses`), the schema hook that documents
authentication errors, and the JSON 404 for unmatched /api/ URLs. The resource
endpoints of the CRM sync build on these in `sync/resources/base.py`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

# --- documentation components ---------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Field name -> reasons.",
    )


ERROR_TEXT = {
    400: "Invalid input: `errors` names each field and its reason.",
    401: "Missing, invalid or revoked credentials.",
    403: "Not allowed (e.g. a browser session without a CSRF token).",
    404: "No such object, or not visible to you (another team's objects are never confirmed to exist).",
    409: "Conflict (e.g. the external id belongs to a deleted record; external ids are never reused).",
    412: "If-Match does not match the current ETag: the record changed since you read it. Nothing was changed.",
    413: "Too many items in one request (the operation says how many it takes).",
    415: "Send JSON (Content-Type: application/json).",
    429: "Too many requests; retry after Retry-After seconds.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Every operation answers 401/403 (and 429, documented by the throttling
    hook); add the codes it can also produce."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_TEXT[code])
        for code in sorted({401, 403, *codes})
    }


def document_authentication_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation that needs
    credentials documents 401 (and 403 for a browser session without CSRF)."""
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", {
        "type": "object", "required": ["detail"],
        "properties": {
            "detail": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    })
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if operation.get("security") == [{}] or {} in operation.get("security", [{"auth": []}]):
                continue  # public operation
            operation["responses"].setdefault("401", {"description": ERROR_TEXT[401], "content": error_ref})
            operation["responses"].setdefault("403", {"description": ERROR_TEXT[403], "content": error_ref})
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                operation["responses"].setdefault("400", {
                    "description": "A query parameter is invalid (a bad filter, cursor or page size); "
                                   "`errors` names it and says why.",
                    "content": error_ref,
                })
    return result
