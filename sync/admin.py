"""Admin views of the sync plumbing: read-only logs, editable subscriptions."""

from django.contrib import admin

from .models import ChangeLogEntry, CsvUpload, IdempotencyKey, WebhookDelivery, WebhookSubscription


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are written by the app; the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "txid", "resource", "object_id", "external_id", "action", "at")
    list_filter = ("resource", "action")
    search_fields = ("external_id",)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "scope", "state", "response_status", "created_at", "completed_at")
    list_filter = ("state",)
    exclude = ("response_body",)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "owner", "active", "created_at")
    list_filter = ("active",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "subscription", "event", "status", "attempts", "last_status_code", "next_attempt_at",
                    "delivered_at")
    list_filter = ("status", "event")


@admin.register(CsvUpload)
class CsvUploadAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner", "resource", "filename", "created_at")
    list_filter = ("resource",)
    exclude = ("content",)
