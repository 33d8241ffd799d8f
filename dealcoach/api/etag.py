"""Optimistic concurrency with ETag / If-Match.

A detail response carries `ETag: W/"<id>-<updated_at in epoch microseconds>"`.
A write that sends `If-Match` must name the current tag (or `*`), else it gets
412 and changes nothing. Compare under the row lock:

    with transaction.atomic():
        obj = fetch_for_update(...)          # SELECT ... FOR UPDATE, permission-scoped
        check_if_match(request, obj)         # 412 when stale
        ...write...

The tags are weak (the representation may change formatting without the row
changing), and If-Match compares the opaque part, ignoring the W/ prefix.

This is the API's one If-Match reader and one 412. A resource whose version is
not its row's `updated_at` (the close plan: a version number the service checks
under its own lock) reads the listed tags with `if_match_tags` and raises the
same `PreconditionFailed`."""

import re
from datetime import UTC, datetime, timedelta

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it (If-Match does not match its ETag). Fetch it again."
    default_code = "precondition_failed"


def etag_for(obj) -> str:
    micros = (obj.updated_at - EPOCH) // timedelta(microseconds=1)
    return f'W/"{obj.pk}-{micros}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


# RFC 9110: If-Match is `*` or a list of entity tags, each `"..."` or `W/"..."`.
ENTITY_TAG = re.compile(r'\s*(?:W/)?"[\x21\x23-\x7e]*"\s*')


def check_if_match_syntax(header: str) -> None:
    """A malformed If-Match is bad input (400 naming the header), not a failed precondition (412)."""
    if header.strip() == "*" or all(ENTITY_TAG.fullmatch(tag) for tag in header.split(",")):
        return
    raise ValidationError({"If-Match": ['Send "*" or the ETag you read, e.g. W/"42-1767225600000000".']},
                          code="invalid_if_match")


def if_match_tags(header: str | None) -> list[str] | None:
    """The opaque tags an If-Match header lists (W/ dropped); None when there is
    no header or it lists `*` (any version will do). A malformed header is a 400."""
    if not header:
        return None
    check_if_match_syntax(header)
    tags = [_opaque(t) for t in header.split(",") if t.strip()]
    return None if "*" in tags else tags


def if_match_satisfied(header: str | None, obj) -> bool:
    """True when there is no If-Match, or it lists `*` or the object's current tag.
    `obj=None` (no such row) satisfies only an absent header."""
    if not header:
        return True
    tags = if_match_tags(header)
    if obj is None:
        return False
    return tags is None or _opaque(etag_for(obj)) in tags


def check_if_match(request, obj) -> None:
    if not if_match_satisfied(request.headers.get("If-Match"), obj):
        raise PreconditionFailed()


def set_etag(response, obj):
    response["ETag"] = etag_for(obj)
    return response


# For extend_schema(parameters=[...]) on the operations that honour them.
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The ETag you read; a stale one gets 412 and nothing changes, a malformed one 400.",
)
ETAG_HEADER = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True,
    description='Version tag of the record, e.g. W/"42-1767225600000000". Send it back as If-Match.',
)
