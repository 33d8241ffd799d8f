"""GET /api/v1/audit/ — the audit history the caller may see."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers

from dealcoach.api.pagination import FieldErrorCursorPagination

from .models import AuditEvent
from .registry import RESOURCE_MODELS
from .selectors import audit_events_visible_to


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    opportunity = serializers.IntegerField(source="opportunity_id", read_only=True, allow_null=True)
    account = serializers.IntegerField(source="account_id", read_only=True, allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        read_only=True, help_text="{field: [old, new]}",
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "resource", "object_id", "opportunity", "account", "changes", "source"]
        read_only_fields = fields


class NewestFirstPagination(FieldErrorCursorPagination):
    ordering = ("-id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw == "":
        raise exceptions.ValidationError({name: ["Give an integer id, or leave the parameter out."]})
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: ["Must be an integer id."]}) from None
    if value < 0 or value > 2**63 - 1:
        raise exceptions.ValidationError({name: ["Must be a positive integer id."]})
    return value


@extend_schema(
    summary="Audit history",
    description=(
        "Who created, changed, deleted or restored accounts, stakeholders, opportunities, deal roles and "
        "close plans, with `{field: [old, new]}`. Only events about records the caller may see."
    ),
    parameters=[
        OpenApiParameter("resource", OpenApiTypes.STR, enum=sorted(RESOURCE_MODELS)),
        OpenApiParameter("object_id", OpenApiTypes.INT, description="Requires `resource`."),
        OpenApiParameter("opportunity", OpenApiTypes.INT, description="Everything about one deal."),
    ],
    responses={200: AuditEventSerializer(many=True)},
)
class AuditEventList(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    pagination_class = NewestFirstPagination
    filter_backends: list = []

    def get_queryset(self):
        qs = audit_events_visible_to(self.request.user).select_related("actor")
        resource = self.request.query_params.get("resource")
        if resource:
            if resource not in RESOURCE_MODELS:
                raise exceptions.ValidationError({"resource": [f"One of: {', '.join(sorted(RESOURCE_MODELS))}."]})
            qs = qs.filter(resource=resource)
        object_id = _int_param(self.request, "object_id")
        if object_id is not None:
            if not resource:
                raise exceptions.ValidationError({"object_id": ["Give `resource` with `object_id`."]})
            qs = qs.filter(object_id=object_id)
        opportunity = _int_param(self.request, "opportunity")
        if opportunity is not None:
            qs = qs.filter(opportunity_id=opportunity)
        return qs
