from django.contrib import admin

from .models import Activity, DealRole, Opportunity, OpportunityFieldChange, Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "slug", "probability", "rot_days", "forecast_category")
    list_display_links = ("name",)


class DealRoleInline(admin.TabularInline):
    model = DealRole
    extra = 0
    autocomplete_fields = ("stakeholder",)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "owner", "stage", "status", "amount", "currency", "expected_close_date")
    list_filter = ("status", "stage", "forecast_category")
    search_fields = ("name", "account__name", "external_id")
    list_select_related = ("account", "owner", "stage")
    readonly_fields = ("created_at", "updated_at", "stage_entered_at", "last_activity_at",
                       "last_senior_engagement_at", "propensity")
    inlines = [DealRoleInline]


@admin.register(DealRole)
class DealRoleAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "stakeholder", "role", "stance", "influence", "strength")
    list_filter = ("role", "stance", "influence")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "opportunity", "summary")
    list_filter = ("kind",)
    search_fields = ("summary",)
    filter_horizontal = ("stakeholders",)


@admin.register(OpportunityFieldChange)
class OpportunityFieldChangeAdmin(admin.ModelAdmin):
    list_display = ("changed_at", "opportunity", "field", "old_value", "new_value", "changed_by")
    list_filter = ("field",)
