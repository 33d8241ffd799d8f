from django.contrib import admin

from .models import CoachingAnswer, CoachingQuestion, DealScore, ScoreSnapshot


@admin.register(CoachingQuestion)
class CoachingQuestionAdmin(admin.ModelAdmin):
    list_display = ("key", "dimension", "text", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("dimension", "active")
    search_fields = ("key", "text", "action")
    ordering = ("order", "id")

    def get_readonly_fields(self, request, obj=None):
        # Rules refer to questions by key: renaming one would silently unhook its rule.
        return ("key",) if obj else ()


@admin.register(CoachingAnswer)
class CoachingAnswerAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "question", "answer", "answered_by", "answered_at")
    list_filter = ("answer", "question__dimension")
    search_fields = ("opportunity__name", "question__key", "evidence")
    raw_id_fields = ("opportunity",)
    list_select_related = ("opportunity", "question", "answered_by")


@admin.register(DealScore)
class DealScoreAdmin(admin.ModelAdmin):
    list_display = (
        "opportunity", "overall", "relationships", "strategy", "value", "process", "as_of", "computed_at",
    )
    list_filter = ("relationships_status", "strategy_status", "value_status", "process_status")
    search_fields = ("opportunity__name",)
    list_select_related = ("opportunity",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "week", "overall", "relationships", "strategy", "value", "process")
    list_filter = ("week",)
    search_fields = ("opportunity__name",)
    list_select_related = ("opportunity",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
