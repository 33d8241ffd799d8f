"""REST API for stale-deal flags: /api/v1/flags/...

Thin views: parse, fetch with permission (404 for flags on deals the caller
cannot see), call one service, render."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.api.pagination import FieldErrorCursorPagination

from . import services
from .models import Flag
from .rules import MAX_SNOOZE_DAYS, SNOOZE_REASON_MAX_CHARS
from .selectors import STATUSES, flag_get_for_user, flags_visible_to, flags_with_status


class FlagCursorPagination(FieldErrorCursorPagination):
    """Flags never change their raised_at: a stable cursor on (raised_at, id)."""

    ordering = ("raised_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class FlagSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="open, snoozed (open, snooze not ended) or cleared.")

    class Meta:
        model = Flag
        fields = (
            "id", "opportunity", "kind", "status", "reason", "raised_at", "cleared_at",
            "snoozed_until", "snooze_reason",
        )
        read_only_fields = fields
        extra_kwargs = {"opportunity": {"help_text": "The deal's id."}}

    def get_status(self, flag: Flag) -> str:
        return flag.status


class FlagSnoozeSerializer(serializers.Serializer):
    until = serializers.DateField(
        help_text=f"The flag shows as open again on this date: after today, at most {MAX_SNOOZE_DAYS} days ahead."
    )
    reason = serializers.CharField(
        max_length=SNOOZE_REASON_MAX_CHARS, help_text="Why the flag can wait; your manager sees it."
    )


class FlagErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class FlagFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[(s, s) for s in STATUSES], method="filter_status")
    kind = django_filters.ChoiceFilter(choices=Flag.Kind.choices)
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")

    class Meta:
        model = Flag
        fields = ("status", "kind", "opportunity")

    def filter_status(self, queryset, name, value):
        return flags_with_status(queryset, value)

    def is_valid(self):
        # An empty `?kind=` or `?status=` is a mistake, not "no filter": say so.
        for name in ("kind", "status"):
            if name in self.data and not self.data.get(name):
                self.form.add_error(name, "Give a value, or leave the parameter out.")
        return super().is_valid()


@extend_schema(tags=["flags"])
class FlagListAPI(generics.ListAPIView):
    serializer_class = FlagSerializer
    pagination_class = FlagCursorPagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = FlagFilter

    def get_queryset(self):
        return flags_visible_to(self.request.user)

    @extend_schema(
        summary="List flags on the deals you can see",
        description=(
            "Stale and decaying deal flags raised by the daily sweep, oldest first, with a stable cursor. "
            "`status=open` includes snoozed flags; `status=snoozed` only those whose snooze has not ended."
        ),
        responses={200: FlagSerializer(many=True), 400: FlagErrorSerializer},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["flags"])
class FlagDetailAPI(APIView):
    @extend_schema(
        summary="One flag",
        description=(
            "One flag on a deal you may see: its kind, the reason the sweep gave, when it was raised and "
            "cleared, and its snooze (until when and why). 404 for a flag on a deal you may not see."
        ),
        parameters=[OpenApiParameter("flag_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: FlagSerializer, 404: FlagErrorSerializer},
    )
    def get(self, request, flag_id: int):
        flag = flag_get_for_user(user=request.user, flag_id=flag_id)
        return Response(FlagSerializer(flag).data)


@extend_schema(tags=["flags"])
class FlagSnoozeAPI(APIView):
    @extend_schema(
        operation_id="flags_snooze",
        summary="Snooze a flag until a date, with a reason",
        description=(
            "The deal's owner or their manager can snooze an open flag. It stays open and visible to the "
            "manager with its reason, and shows as open again on `until`. Answers with the flag; anyone else "
            "gets 403, and a cleared flag answers 400. Snoozing again replaces the date and the reason."
        ),
        parameters=[OpenApiParameter("flag_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=FlagSnoozeSerializer,
        responses={
            200: FlagSerializer,
            400: OpenApiResponse(FlagErrorSerializer, description="A field is missing or wrong; it is named."),
            403: FlagErrorSerializer,
            404: FlagErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Snooze", value={"until": "2026-07-14", "reason": "Waiting for the board meeting on the 14th"},
                request_only=True,
            ),
            OpenApiExample(
                "Refused", status_codes=["400"], response_only=True,
                value={"detail": "Invalid input.", "errors": {"until": ["Snooze until a date after today (2026-07-01)."]}},
            ),
        ],
    )
    def post(self, request, flag_id: int):
        flag = flag_get_for_user(user=request.user, flag_id=flag_id)
        data = FlagSnoozeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = services.flag_snooze(actor=request.user, flag=flag, **data.validated_data)
        return Response(FlagSerializer(flag).data)

    @extend_schema(
        summary="End a flag's snooze now",
        description=(
            "Ends the snooze at once: the flag shows as open again. Answers with the flag; ending a snooze that "
            "is not there changes nothing. Only the deal's owner or their manager (or an admin): others get 403."
        ),
        parameters=[OpenApiParameter("flag_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: FlagSerializer, 403: FlagErrorSerializer, 404: FlagErrorSerializer},
    )
    def delete(self, request, flag_id: int):
        flag = flag_get_for_user(user=request.user, flag_id=flag_id)
        flag = services.flag_unsnooze(actor=request.user, flag=flag)
        return Response(FlagSerializer(flag).data)
