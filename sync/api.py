"""REST endpoints of the sync plumbing: the changes feed and webhooks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dealcoach.api.base import ErrorSerializer, error_responses
from dealcoach.api.errors import error_response
from dealcoach.api.pagination import FieldErrorCursorPagination

from . import selectors, webhooks
from .models import ChangeLogEntry, WebhookDelivery, WebhookSubscription


def _refuse_unknown(data, allowed) -> None:
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({field: ["Unknown or read-only field."] for field in unknown})


# --- Changes feed -----------------------------------------------------------------------

class ChangeSerializer(serializers.Serializer):
    cursor = serializers.SerializerMethodField(help_text="The position just after this entry.")
    resource = serializers.ChoiceField(choices=ChangeLogEntry.Resource.choices)
    id = serializers.IntegerField(source="object_id")
    external_id = serializers.CharField(allow_null=True)
    action = serializers.ChoiceField(choices=ChangeLogEntry.Action.choices)
    changed_at = serializers.DateTimeField(source="at")
    deleted_at = serializers.DateTimeField(allow_null=True, help_text="Set on tombstones (action=delete).")

    def get_cursor(self, entry) -> str:
        return str(selectors.ChangeCursor(entry.txid, entry.id))


class ChangesPageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as ?since= to get the changes after this page.")
    has_more = serializers.BooleanField()


class ChangesView(APIView):
    @extend_schema(
        operation_id="changes_list",
        summary="Changes feed: upserts and tombstones since a cursor",
        description=(
            "Every create, update and delete of accounts, stakeholders, opportunities and activities you can "
            "see, oldest first. Start without `since`, then pass each page's `next_cursor`. Deletions are "
            "tombstones (`action: delete`, `deleted_at`); entries are kept at least 30 days. Fetch the "
            "current record by `id` for upserts. 410 when the cursor is older than the retained log: "
            "resync from the lists (`?updated_since=`)."
        ),
        parameters=[
            OpenApiParameter("since", str, description="A next_cursor from a previous page; empty for the start."),
            OpenApiParameter("limit", int, description="Entries per page, 1-500 (default 100)."),
        ],
        responses={200: ChangesPageSerializer, **error_responses(400),
                   410: OpenApiResponse(ErrorSerializer, description="The cursor is older than the retained log.")},
        tags=["sync"],
    )
    def get(self, request):
        since = selectors.ChangeCursor.parse(request.query_params.get("since"))
        try:
            limit = int(request.query_params.get("limit", 100))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 500:
            raise ValidationError({"limit": ["A whole number from 1 to 500."]})
        if selectors.change_cursor_expired(since):
            return error_response(status.HTTP_410_GONE, "This cursor is older than the retained changes; "
                                  "resync with ?updated_since= on the lists, then start the feed again.")
        page = selectors.changes_for_user(user=request.user, since=since, limit=limit)
        return Response(ChangesPageSerializer(
            {"results": page.entries, "next_cursor": str(page.next_cursor), "has_more": page.has_more}
        ).data)


# --- Webhooks ---------------------------------------------------------------------------

class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=webhooks.WEBHOOK_EVENTS), min_length=1)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="Shown once: the key to verify each delivery's webhook-signature with.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=webhooks.WEBHOOK_EVENTS), min_length=1)
    secret = serializers.CharField(required=False, min_length=16, max_length=100, write_only=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    active = serializers.BooleanField(required=False)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "payload", "status", "attempts", "next_attempt_at", "last_status_code",
            "last_error", "created_at", "delivered_at",
        ]


class DeliveryPagination(FieldErrorCursorPagination):
    ordering = ("-id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class WebhookListView(APIView):
    @extend_schema(operation_id="webhooks_list", summary="Your webhook subscriptions",
                   description="The subscriptions you created (never anyone else's), oldest first, without "
                               "their secrets. Not paginated.",
                   responses={200: WebhookSerializer(many=True), **error_responses()}, tags=["webhooks"])
    def get(self, request):
        subscriptions = selectors.webhook_subscriptions_for_user(request.user).order_by("id")
        return Response(WebhookSerializer(subscriptions, many=True).data)

    @extend_schema(
        operation_id="webhooks_create", summary="Subscribe a URL to events",
        description="Subscribes `url` to `events` on the deals you can see. The URL must resolve to a public "
                    "address. Each delivery is a POST of `{id, event, created_at, data}` signed per Standard "
                    "Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`): verify it with a "
                    "`standardwebhooks` library and the `secret`, generated unless you send one and returned "
                    "once, here. Answer 2xx; anything else is retried with exponential backoff. Safe to retry "
                    "with an Idempotency-Key.",
        request=WebhookWriteSerializer, responses={201: WebhookCreatedSerializer, **error_responses(400, 415)},
        tags=["webhooks"],
    )
    def post(self, request):
        _refuse_unknown(request.data, WebhookWriteSerializer().fields)
        serializer = WebhookWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = webhooks.webhook_subscription_create(owner=request.user, **serializer.validated_data)
        return Response(WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    @extend_schema(operation_id="webhooks_retrieve", summary="Get one webhook subscription",
                   description="One of your subscriptions, without its secret; 404 for anyone else's.",
                   responses={200: WebhookSerializer, **error_responses(404)}, tags=["webhooks"])
    def get(self, request, pk: int):
        subscription = selectors.webhook_subscription_get_for_user(user=request.user, subscription_id=pk)
        return Response(WebhookSerializer(subscription).data)

    @extend_schema(operation_id="webhooks_partial_update", summary="Change a webhook subscription",
                   description="Only the fields sent change: `url` (checked like on subscribe), `events`, "
                               "`description`, `secret`, and `active` (while false, no event is queued for "
                               "it). An unknown field answers 400. 404 for anyone else's subscription.",
                   request=WebhookWriteSerializer(partial=True),
                   responses={200: WebhookSerializer, **error_responses(400, 404, 415)}, tags=["webhooks"])
    def patch(self, request, pk: int):
        subscription = selectors.webhook_subscription_get_for_user(user=request.user, subscription_id=pk)
        _refuse_unknown(request.data, WebhookWriteSerializer().fields)
        serializer = WebhookWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        subscription = webhooks.webhook_subscription_update(
            subscription=subscription, data=dict(serializer.validated_data)
        )
        return Response(WebhookSerializer(subscription).data)

    @extend_schema(operation_id="webhooks_destroy", summary="Delete a webhook subscription",
                   description="Deletes the subscription and its delivery log; nothing more is sent to its URL. "
                               "404 for anyone else's subscription.",
                   responses={204: None, **error_responses(404)}, tags=["webhooks"])
    def delete(self, request, pk: int):
        subscription = selectors.webhook_subscription_get_for_user(user=request.user, subscription_id=pk)
        webhooks.webhook_subscription_delete(subscription=subscription)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(generics.ListAPIView):
    serializer_class = DeliverySerializer
    pagination_class = DeliveryPagination
    filter_backends: list = []

    def get_queryset(self):
        subscription = selectors.webhook_subscription_get_for_user(
            user=self.request.user, subscription_id=self.kwargs["pk"]
        )
        return selectors.webhook_deliveries_of(subscription)

    @extend_schema(operation_id="webhooks_deliveries_list", summary="Delivery log of a subscription, newest first",
                   description="Every delivery to the subscription, newest first, cursor-paginated (`page_size` "
                               "up to 500): the event and its payload, status, attempts, the receiver's last "
                               "status code or error, the next retry and when it was delivered. Use it to see "
                               "why your receiver missed an event. 404 for anyone else's subscription.",
                   responses={200: DeliverySerializer(many=True), **error_responses(400, 404)}, tags=["webhooks"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
