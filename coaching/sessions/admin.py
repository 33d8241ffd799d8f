from django.contrib import admin

from .models import CoachingSession, Commitment, SessionAnswer


class SessionAnswerInline(admin.TabularInline):
    model = SessionAnswer
    extra = 0
    can_delete = False
    readonly_fields = ("question_key", "dimension", "question_text", "answer", "evidence", "recorded_by",
                       "recorded_at")


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "kind", "status", "opened_by", "rep", "opened_at", "closed_at")
    list_filter = ("kind", "status")
    readonly_fields = ("scores_at_open", "scores_at_close", "result_at_close")
    inlines = [SessionAnswerInline]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_closed


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ("action", "owner", "due_on", "status", "opportunity")
    list_filter = ("status",)
    search_fields = ("action",)
