from django.contrib import admin

from .models import Activity, DealRole, Opportunity, OpportunityFieldChange, Stage
from .services import opportunity_restore


@admin.action(description="Restore the selected deleted opportunities")
def restore_opportunities(modeladmin, request, queryset):
    for opportunity in queryset.filter(deleted_at__isnull=False):
        opportunity_restore(actor=request.user, opportunity=opportunity)


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
    list_filter = ("status", "stage", "forecast_category", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "account__name", "external_id")
    actions = [restore_opportunities]
    list_select_related = ("account", "owner", "stage")
    readonly_fields = ("created_at", "updated_at", "stage_entered_at", "last_activity_at",
                       "last_senior_engagement_at", "propensity")  # propensity: computed (deals/propensity.py)
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
    # By id, not by the model's changed_at ordering: only the id is indexed on its own.
    ordering = ("-id",)
    list_filter = ("field",)
