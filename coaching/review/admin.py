from django.contrib import admin

from .models import PipelineSnapshot, ReviewDigestLog


@admin.register(PipelineSnapshot)
class PipelineSnapshotAdmin(admin.ModelAdmin):
    list_display = ("week", "opportunity", "owner", "stage", "amount", "currency", "status", "forecast_category")
    list_filter = ("week", "status", "forecast_category")
    list_select_related = ("opportunity", "owner", "stage")
    raw_id_fields = ("opportunity", "owner")


@admin.register(ReviewDigestLog)
class ReviewDigestLogAdmin(admin.ModelAdmin):
    list_display = ("week", "manager", "sent_at")
    list_filter = ("week",)
