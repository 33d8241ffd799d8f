"""REST endpoints for opportunities (with their deal roles), activities and
stages: thin views over the permission-scoped selectors and the same services
the browser uses."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from dealcoach.api.base import error_responses
from deals.models import DealRole, Stage
from deals.selectors import activities_visible_to, opportunities_visible_to
from deals.services import activity_soft_delete, opportunity_soft_delete
from sync.resources.base import ResourceViewSet, resource_schema
from sync.upsert.deals import (
    ACTIVITY_SPECS,
    OPPORTUNITY_SPECS,
    activities_upsert,
    activity_write,
    opportunities_upsert,
    opportunity_write,
)

from .deal_filters import ActivityFilterSet, OpportunityFilterSet
from .deal_serializers import ActivitySerializer, OpportunitySerializer, StageSerializer


@extend_schema_view(**resource_schema(tag="opportunities", serializer=OpportunitySerializer, specs=OPPORTUNITY_SPECS))
class OpportunityViewSet(ResourceViewSet):
    serializer_class = OpportunitySerializer
    write_specs = OPPORTUNITY_SPECS
    filterset_class = OpportunityFilterSet
    resource_label = "opportunity"
    soft_delete_service = staticmethod(opportunity_soft_delete)
    upsert_service = staticmethod(opportunities_upsert)
    read_only_fields = ("id", "propensity", "created_at", "updated_at")

    def base_queryset(self):
        return opportunities_visible_to(self.request.user)

    def detail_queryset(self, qs):
        return qs.select_related("stage").prefetch_related(
            Prefetch("roles", queryset=DealRole.objects.order_by("role", "id"))
        )

    def perform_create(self, raw):
        return opportunity_write(actor=self.request.user, raw=raw, extra_specs=self.create_only_specs)

    def perform_update(self, opportunity, raw, *, partial):
        return opportunity_write(
            actor=self.request.user, raw=raw, opportunity=opportunity, partial=partial,
            extra_specs=self.create_only_specs,
        )


@extend_schema_view(**resource_schema(tag="activities", serializer=ActivitySerializer, specs=ACTIVITY_SPECS))
class ActivityViewSet(ResourceViewSet):
    serializer_class = ActivitySerializer
    write_specs = ACTIVITY_SPECS
    filterset_class = ActivityFilterSet
    resource_label = "activity"
    soft_delete_service = staticmethod(activity_soft_delete)
    upsert_service = staticmethod(activities_upsert)

    def base_queryset(self):
        return activities_visible_to(self.request.user)

    def detail_queryset(self, qs):
        return qs.prefetch_related("stakeholders")


    def perform_create(self, raw):
        return activity_write(actor=self.request.user, raw=raw, extra_specs=self.create_only_specs)

    def perform_update(self, activity, raw, *, partial):
        return activity_write(
            actor=self.request.user, raw=raw, activity=activity, partial=partial, extra_specs=self.create_only_specs,
        )


@extend_schema_view(
    list=extend_schema(tags=["stages"], summary="List the pipeline stages in order",
                       description="Every pipeline stage in pipeline order: its `slug` (what an opportunity's "
                                   "`stage` holds), name, win probability in percent, the days without activity "
                                   "before a deal in it is stale (`rot_days`) and its forecast category. Configuration any "
                                   "signed-in user may read; not paginated.",
                       responses={200: StageSerializer(many=True), **error_responses()}),
    retrieve=extend_schema(
        tags=["stages"], summary="Get one stage by slug",
        description="One stage by the slug an opportunity's `stage` holds; 404 for a slug no stage has.",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, description="Stage slug.")],
        responses={200: StageSerializer, **error_responses(404)},
    ),
)
class StageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pipeline stages are configuration every signed-in user may read."""

    serializer_class = StageSerializer
    queryset = Stage.objects.order_by("order")
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends: list = []
