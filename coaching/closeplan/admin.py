from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import (
    BuyerAccess,
    BuyerAction,
    ClosePlan,
    DateProposal,
    Holiday,
    Milestone,
    PlanChange,
    PlanComment,
    PlanTemplate,
    ShareLink,
    TemplateMilestone,
)
from .schedule import MilestoneInput, ScheduleError, check_milestones


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)


class TemplateMilestoneFormSet(forms.BaseInlineFormSet):
    """Refuse a template whose dependencies could not be scheduled."""

    def clean(self):
        super().clean()
        inputs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("key"):
                continue
            depends_on = data.get("depends_on") or []
            if not isinstance(depends_on, list) or not all(isinstance(k, str) for k in depends_on):
                raise ValidationError(
                    f'{data["key"]}: depends_on must be a list of keys, e.g. ["evaluation"].'
                )
            inputs.append(
                MilestoneInput(
                    data["key"],
                    data.get("name", ""),
                    data.get("side", ""),
                    data.get("duration_days") or 0,
                    tuple(depends_on),
                )
            )
        try:
            check_milestones(inputs)
        except ScheduleError as error:
            raise ValidationError(str(error)) from error


class TemplateMilestoneInline(admin.TabularInline):
    model = TemplateMilestone
    formset = TemplateMilestoneFormSet
    extra = 0
    fields = ("position", "key", "name", "side", "duration_days", "depends_on")


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TemplateMilestoneInline]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = (
        "position",
        "key",
        "name",
        "side",
        "duration_days",
        "depends_on",
        "done_on",
        "latest_start",
        "latest_finish",
    )
    readonly_fields = ("latest_start", "latest_finish")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # plans are edited through the plan page, which keeps versions and history


class PlanChangeInline(admin.TabularInline):
    model = PlanChange
    extra = 0
    fields = ("version", "milestone_key", "field", "old_value", "new_value", "changed_at", "changed_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ClosePlan)
class ClosePlanAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "go_live_date", "version", "validated_version", "validated_by_name")
    search_fields = ("opportunity__name", "opportunity__account__name")
    raw_id_fields = ("opportunity", "created_by")
    readonly_fields = (
        "version",
        "validated_version",
        "validated_at",
        "validated_by_name",
        "created_at",
        "updated_at",
    )
    inlines = [MilestoneInline, PlanChangeInline]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ("plan", "created_by", "created_at", "expires_at", "revoked_at", "last_opened_at")
    raw_id_fields = ("plan", "created_by")
    readonly_fields = ("created_at", "last_opened_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    """What buyers did and proved: written only through the share link, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BuyerAccess)
class BuyerAccessAdmin(ReadOnlyAdmin):
    list_display = ("email", "link", "stakeholder", "verified_at", "failed_attempts", "locked_at")
    exclude = ("code_hash",)


@admin.register(BuyerAction)
class BuyerActionAdmin(ReadOnlyAdmin):
    list_display = ("at", "plan", "stakeholder_name", "kind", "summary")
    list_filter = ("kind",)


@admin.register(PlanComment)
class PlanCommentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "plan", "author_stakeholder", "author_user", "milestone_key", "answered_at")


@admin.register(DateProposal)
class DateProposalAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "plan", "milestone_key", "current_date", "proposed_date", "status")
    list_filter = ("status",)
