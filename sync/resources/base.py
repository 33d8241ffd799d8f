"""Shared pieces of the resource endpoints (accounts, stakeholders,
opportunities, activities): one viewset shape with list / retrieve / create /
update / partial_update / destroy (soft delete), upsert by external id, bulk
upsert, ETag / If-Match, strict pagination and stable ordering.

A resource's viewset only says where its rows come from (a permission-scoped
selector) and which services write them."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import filters, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from dealcoach.api.base import error_responses
from dealcoach.api.errors import error_response
from dealcoach.api.etag import (
    ETAG_HEADER,
    IF_MATCH_PARAMETER,
    PreconditionFailed,
    check_if_match,
    if_match_satisfied,
    set_etag,
)
from dealcoach.api.pagination import UpdatedAtCursorPagination
from dealcoach.api.parsers import SafeJSONParser
from dealcoach.dates import utc_offset_error
from sync.fieldspecs import MAX_BIGINT, Invalid, Spec, Text, check_text, object_schema, parse_fields
from sync.upsert.engine import EXTERNAL_ID, GONE, MAX_BATCH_ITEMS, NOT_FOUND, TAKEN, UpsertResult

# --- documentation components ---------------------------------------------------------


class UpsertResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in the request.")
    external_id = serializers.CharField(allow_null=True)
    id = serializers.IntegerField(allow_null=True)
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def request_schema(specs: dict[str, Spec], *, partial: bool, name: str,
                   extra: dict[str, Spec] | None = None) -> dict:
    """A request body written from field specs, named `name` in the schema's
    components (dealcoach/api/schema.py hoists it)."""
    return {"application/json": {**object_schema({**specs, **(extra or {})}, partial=partial),
                                 "x-component-name": name}}


def bulk_request_schema(specs: dict[str, Spec], *, resource: str) -> dict:
    """`{"items": [<resource>BulkItem, ...]}`. Items are checked one by one: a
    bad item is reported in its result (200), the others are saved."""
    item = object_schema({"external_id": Text(max_length=255, blank=False, strip=False, required=True), **specs},
                         partial=False)
    item["required"] = ["external_id"]
    return {"application/json": {
        "type": "object", "additionalProperties": False, "required": ["items"],
        "x-component-name": f"{resource}BulkUpsertRequest",
        "properties": {"items": {
            "type": "array",
            "items": {**item, "x-component-name": f"{resource}BulkItem"},
            "description": (
                f"At most {MAX_BATCH_ITEMS} items (more: 413). Written in external-id order; fields left out of an "
                "existing record keep their value; a bad item is reported in its result and does not stop the "
                "others."
            ),
        }},
    }}


def bulk_response_serializer(resource: str):
    return inline_serializer(f"{resource}BulkUpsertResponse", {
        "results": UpsertResultSerializer(many=True, help_text="One result per item, in the order sent."),
    })


# --- pagination and ordering --------------------------------------------------------------


class StrictCursorPagination(UpdatedAtCursorPagination):
    """The shared (updated_at, id) cursor pagination of the resource API (bad
    paging input is refused with 400 by the base class)."""


class StableOrderingFilter(filters.OrderingFilter):
    """Ordering by an allowed field, always ending with id so that pages are
    stable, and refusing an unknown field with 400."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return list(view.ordering)
        allowed = {f for f in view.ordering_fields}
        wanted = [term.strip() for term in raw.split(",") if term.strip()]
        bad = [t for t in wanted if t.lstrip("-") not in allowed]
        if bad or not wanted:
            raise ValidationError({self.ordering_param: [f"Order by one of: {', '.join(sorted(allowed))} (prefix - to reverse)."]})
        wanted = wanted[:1]
        if wanted[0].lstrip("-") != "id":
            wanted.append("-id" if wanted[0].startswith("-") else "id")
        return wanted

    def get_schema_operation_parameters(self, view):
        fields = sorted(view.ordering_fields)
        return [{
            "name": self.ordering_param, "required": False, "in": "query",
            "description": "Sort field (prefix - to reverse); ties are broken by id.",
            "schema": {"type": "string", "enum": [*fields, *[f"-{f}" for f in fields]]},
        }]


# --- filters ---------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT64)  # a whole number in the schema, as in the check
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_BIGINT)
        super().__init__(*args, **kwargs)


class OffsetCheckedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601, with a real UTC offset (+20:00 reached PostgreSQL and failed there, a 500)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and (reason := utc_offset_error(moment)):
            raise forms.ValidationError(reason, code="invalid")
        return moment


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = OffsetCheckedIsoDateTimeField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte",
        label="Only records changed at or after this ISO 8601 timestamp.",
    )
    external_id = django_filters.CharFilter(field_name="external_id", max_length=255)


# --- external-id conflicts -----------------------------------------------------------------

EXTERNAL_ID_TAKEN, EXTERNAL_ID_DELETED = "external_id_taken", "external_id_deleted"
TAKEN_ON_CREATE = ("This external id is already used by another record. To create or update a record by its "
                   "external id, use PUT .../external/{external_id}/.")


def external_id_conflict(message: str, *, code: str) -> Response:
    """409 with a stable code; the message never names the record that holds the id."""
    return error_response(status.HTTP_409_CONFLICT, message, {"external_id": [message]}, code=code)


def _is_external_id_taken(error: DjangoValidationError) -> bool:
    reasons = getattr(error, "error_dict", {}).get("external_id", [])
    return any(reason.code == "unique" for reason in reasons)


def _is_external_id_constraint(error: IntegrityError) -> bool:
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    return constraint.endswith("external_id_unique")


# --- the resource viewset ---------------------------------------------------------------


class ResourceViewSet(viewsets.GenericViewSet):
    """list / retrieve / create / update / partial_update / destroy, plus
    `PUT external/{external_id}/` and `POST bulk-upsert/`.

    Subclasses set `serializer_class` (the output), `write_specs` and
    `read_only_fields` (the input contract), `soft_delete_service` (called as
    `service(actor=..., <resource_label>=obj)`) and `upsert_service` (the
    shared services), and implement `base_queryset` (permission-scoped),
    `perform_create` and `perform_update`."""

    parser_classes = [SafeJSONParser]
    pagination_class = StrictCursorPagination
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering = ("updated_at", "id")
    ordering_fields = ("updated_at", "created_at", "id")
    # Any segment: a non-numeric id gets the JSON 404 from `fetch`, not an HTML page.
    lookup_value_regex = r"[^/]+"
    write_specs: dict[str, Spec] = {}
    create_only_specs: dict[str, Spec] = {"external_id": EXTERNAL_ID.__class__(
        max_length=255, blank=False, strip=False, nullable=True, help="Your system's id for this record.",
    )}
    read_only_fields: tuple[str, ...] = ("id", "created_at", "updated_at")
    resource_label = "record"

    # -- hooks ---------------------------------------------------------------------
    def base_queryset(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def detail_queryset(self, qs):
        """Extra select_related / prefetch_related for serializing."""
        return qs

    def perform_create(self, raw: Any):  # pragma: no cover - abstract
        raise NotImplementedError

    def perform_update(self, obj, raw: Any, *, partial: bool):  # pragma: no cover - abstract
        raise NotImplementedError

    def perform_destroy(self, obj) -> None:
        self.soft_delete_service(actor=self.request.user, **{self.resource_label: obj})

    def soft_delete_service(self, *, actor, **obj) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def upsert_service(self, *, actor, items: list[dict]) -> list[UpsertResult]:  # pragma: no cover
        raise NotImplementedError

    # -- plumbing ------------------------------------------------------------------
    def get_queryset(self):
        return self.detail_queryset(self.base_queryset())

    def fetch(self, pk, *, for_update: bool = False):
        qs = self.base_queryset()
        if for_update:
            qs = qs.select_for_update(of=("self",))
        try:
            return qs.get(pk=int(pk))
        except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(f"No such {self.resource_label}.") from None

    def fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def detail_response(self, obj, code=status.HTTP_200_OK) -> Response:
        obj = self.fresh(obj.pk)
        return set_etag(Response(self.get_serializer(obj).data, status=code), obj)

    def refuse_unknown_keys(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})

    # -- operations ----------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.fetch(kwargs[self.lookup_field])
        return self.detail_response(obj)

    def create(self, request, *args, **kwargs):
        self.refuse_unknown_keys(request.data)
        try:
            with transaction.atomic():
                obj = self.perform_create(request.data)
        except DjangoValidationError as error:
            if not _is_external_id_taken(error):
                raise
            return external_id_conflict(TAKEN_ON_CREATE, code=EXTERNAL_ID_TAKEN)
        except IntegrityError as error:
            # A concurrent create with the same external id committed first (the check above passed
            # for both); the unique constraint decided. Never a 500.
            if not _is_external_id_constraint(error):
                raise
            return external_id_conflict(TAKEN_ON_CREATE, code=EXTERNAL_ID_TAKEN)
        return self.detail_response(obj, status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        self.refuse_unknown_keys(request.data)
        with transaction.atomic():
            obj = self.fetch(kwargs[self.lookup_field], for_update=True)
            check_if_match(request, obj)
            obj = self.perform_update(obj, request.data, partial=partial)
        return self.detail_response(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            obj = self.fetch(kwargs[self.lookup_field], for_update=True)
            check_if_match(request, obj)
            self.perform_destroy(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["put"], url_path=r"external/(?P<external_id>[^/]+)")
    def upsert_external(self, request, external_id: str, *args, **kwargs):
        try:
            external_id = EXTERNAL_ID.parse(check_text(external_id))
        except Invalid as error:
            raise ValidationError({"external_id": [error.reason]}) from None
        raw = request.data
        self.refuse_unknown_keys(raw)
        if "external_id" in raw and raw["external_id"] != external_id:
            raise ValidationError({"external_id": ["Differs from the external id in the URL."]})
        _, errors = parse_fields({k: v for k, v in raw.items() if k != "external_id"}, self.write_specs,
                                 partial=True, read_only=self.read_only_fields)
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            if request.headers.get("If-Match"):
                current = self.base_queryset().select_for_update(of=("self",)).filter(external_id=external_id).first()
                if not if_match_satisfied(request.headers["If-Match"], current):
                    raise PreconditionFailed()
            (result,) = self.upsert_service(actor=request.user, items=[{**raw, "external_id": external_id}])
        if result.result == "error":
            if result.refusal == NOT_FOUND:
                raise NotFound(f"No such {self.resource_label}.")
            if result.refusal in (GONE, TAKEN):
                return external_id_conflict(result.errors["external_id"][0],
                                            code=EXTERNAL_ID_DELETED if result.refusal == GONE else EXTERNAL_ID_TAKEN)
            raise ValidationError(result.errors)
        obj = self.fresh(result.id)
        code = status.HTTP_201_CREATED if result.result == "created" else status.HTTP_200_OK
        return set_etag(Response(self.get_serializer(obj).data, status=code), obj)

    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request, *args, **kwargs):
        raw = request.data
        if not isinstance(raw, dict) or set(raw) - {"items"}:
            unknown = sorted(set(raw) - {"items"}) if isinstance(raw, dict) else []
            raise ValidationError({k: ["Unknown field."] for k in unknown} or {"items": ["Send {\"items\": [...]}."]})
        items = raw.get("items")
        if not isinstance(items, list):
            raise ValidationError({"items": ["Send a list of items."]})
        if len(items) > MAX_BATCH_ITEMS:
            return error_response(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                f"At most {MAX_BATCH_ITEMS} items per request; this one has {len(items)}. Split it into batches.",
            )
        results = self.upsert_service(actor=request.user, items=items)
        return Response({"results": [r.as_dict() for r in results]})


def resource_schema(*, tag: str, serializer, specs: dict[str, Spec]):
    """extend_schema decorators for one resource viewset, with every error it
    can answer, named request components and descriptions for connector
    developers (never the viewset's docstring)."""
    label = tag.rstrip("s") if not tag.endswith("ies") else tag[:-3] + "y"
    a_label = f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
    resource = serializer.__name__.removesuffix("Serializer")
    id_param = OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"The {label}'s id.")
    external_param = OpenApiParameter(
        "external_id", str, OpenApiParameter.PATH, description="Your system's id for this record (no slashes).",
    )
    created_only = ResourceViewSet.create_only_specs
    etag_header = OpenApiParameter(
        ETAG_HEADER.name, str, OpenApiParameter.HEADER, response=[200, 201], description=ETAG_HEADER.description,
    )
    full_body = request_schema(specs, partial=False, extra=created_only, name=f"{resource}Request")
    concurrency = ("Send the ETag you read as If-Match to make the write conditional: if the record changed "
                   "since, nothing is written and the answer is 412.")
    return {
        "list": extend_schema(
            tags=[tag], summary=f"List {tag}", operation_id=f"{tag}_list",
            responses={200: serializer(many=True), **error_responses(400, 404)},
            description=f"The {tag} you may see, cursor-paginated on (updated_at, id): follow `next` until it is "
                        "null. To pull changes, pass the time of your last pull as `updated_since` (or use the "
                        "changes feed, which also reports deletions).",
        ),
        "retrieve": extend_schema(
            tags=[tag], summary=f"Get one {label}", operation_id=f"{tag}_retrieve",
            description=f"The {label}, with its version in the ETag header.",
            parameters=[id_param, etag_header], responses={200: serializer, **error_responses(404)},
        ),
        "create": extend_schema(
            tags=[tag], summary=f"Create {a_label}", operation_id=f"{tag}_create",
            description=f"Creates {a_label}; answers 201 with it and its ETag. An external id already in use "
                        "answers 409 with code `external_id_taken` (also when a concurrent create with the same id "
                        "won the race). To create-or-update by your own id, prefer the upsert operations.",
            request=full_body, parameters=[etag_header], responses={201: serializer, **error_responses(400, 409, 415)},
        ),
        "update": extend_schema(
            tags=[tag], summary=f"Replace {a_label}'s fields", operation_id=f"{tag}_update",
            description=f"Every writable field of the {label}; fields left out are reset. {concurrency}",
            parameters=[id_param, IF_MATCH_PARAMETER, etag_header], request=full_body,
            responses={200: serializer, **error_responses(400, 404, 412, 415)},
        ),
        "partial_update": extend_schema(
            tags=[tag], summary=f"Change some of {a_label}'s fields", operation_id=f"{tag}_partial_update",
            description=f"Only the fields sent change. {concurrency}",
            parameters=[id_param, IF_MATCH_PARAMETER, etag_header],
            request=request_schema(specs, partial=True, extra=created_only, name=f"Patched{resource}Request"),
            responses={200: serializer, **error_responses(400, 404, 412, 415)},
        ),
        "destroy": extend_schema(
            tags=[tag], summary=f"Delete {a_label}", operation_id=f"{tag}_destroy",
            description="Soft delete: the record disappears from lists and reads and the changes feed reports it "
                        "as a tombstone. Its external id stays taken for those who can see it (409 "
                        f"`external_id_deleted`) until it is restored or purged; for other teams it is free. {concurrency}",
            parameters=[id_param, IF_MATCH_PARAMETER],
            responses={204: None, **error_responses(400, 404, 412)},
        ),
        "upsert_external": extend_schema(
            tags=[tag], summary=f"Create or update {a_label} by your external id",
            operation_id=f"{tag}_upsert_external",
            description="201 when created, 200 when updated (or unchanged). Fields left out of the body keep their "
                        "value on an existing record. 409 with code `external_id_taken` when a record you cannot see "
                        "holds the external id (nothing about it is disclosed), `external_id_deleted` when it belongs "
                        "to a deleted record of yours. An id held by another team's deleted record is reused. "
                        f"{concurrency}",
            parameters=[external_param, IF_MATCH_PARAMETER, etag_header],
            request=request_schema(specs, partial=True, name=f"{resource}UpsertRequest"),
            responses={200: serializer, 201: serializer, **error_responses(400, 404, 409, 412, 415)},
        ),
        "bulk_upsert": extend_schema(
            tags=[tag], summary=f"Create or update up to {MAX_BATCH_ITEMS} {tag} by external id",
            operation_id=f"{tag}_bulk_upsert",
            description="Answers 200 with one result per item in input order. Valid items are saved even when "
                        "others fail; a repeated external id is an error for the later item. Send an "
                        "Idempotency-Key to retry safely after a timeout.",
            request=bulk_request_schema(specs, resource=resource),
            responses={200: bulk_response_serializer(resource), **error_responses(400, 413, 415)},
        ),
    }
