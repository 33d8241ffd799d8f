from django.contrib import admin

from .models import Account, Stakeholder


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    fk_name = "account"
    extra = 0
    fields = ("name", "title", "seniority", "reports_to", "email")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "owner", "updated_at", "deleted_at")
    list_filter = ("industry",)
    search_fields = ("name", "domain", "external_id")
    inlines = [StakeholderInline]


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "seniority", "account", "reports_to")
    list_filter = ("seniority",)
    search_fields = ("name", "title", "email", "external_id")
    list_select_related = ("account", "reports_to")
