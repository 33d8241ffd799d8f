from django.contrib import admin

from .models import Flag, SweepRun


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "kind", "reason", "raised_at", "cleared_at", "snoozed_until", "notified_at")
    list_filter = ("kind", ("cleared_at", admin.EmptyFieldListFilter), ("snoozed_until", admin.EmptyFieldListFilter))
    search_fields = ("opportunity__name", "reason", "snooze_reason")
    raw_id_fields = ("opportunity", "snoozed_by")
    date_hierarchy = "raised_at"
    # The sweep owns these; an admin only snoozes.
    readonly_fields = ("opportunity", "kind", "reason", "raised_at", "cleared_at", "notified_at")


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    """The sweep's own log: read only."""

    list_display = ("as_of", "started_at", "finished_at", "incremental", "deals")
    list_filter = ("incremental",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
