from django.contrib import admin

from .models import Account, Stakeholder
from .services import account_restore, stakeholder_restore


@admin.action(description="Restore the selected deleted accounts")
def restore_accounts(modeladmin, request, queryset):
    for account in queryset.filter(deleted_at__isnull=False):
        account_restore(actor=request.user, account=account)


@admin.action(description="Restore the selected deleted stakeholders")
def restore_stakeholders(modeladmin, request, queryset):
    for stakeholder in queryset.filter(deleted_at__isnull=False):
        stakeholder_restore(actor=request.user, stakeholder=stakeholder)


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    fk_name = "account"
    extra = 0
    fields = ("name", "title", "seniority", "reports_to", "email")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "owner", "updated_at", "deleted_at")
    list_filter = ("industry", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "domain", "external_id")
    inlines = [StakeholderInline]
    actions = [restore_accounts]


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "seniority", "account", "reports_to")
    list_filter = ("seniority", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "title", "email", "external_id")
    actions = [restore_stakeholders]
    list_select_related = ("account", "reports_to")
