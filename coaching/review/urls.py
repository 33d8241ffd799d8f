from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("review/", views.weekly, name="weekly"),
    path("review/queue/", views.queue_more, name="queue_more"),
    path("review/heatmap/", views.heatmap_more, name="heatmap_more"),
    path("review/coaching/", views.coaching_cadence, name="coaching_cadence"),
    path("review/export.csv", views.export_csv, name="export_csv"),
    path("deals/<int:opportunity_id>/coaching-sheet/", views.coaching_sheet, name="coaching_sheet"),
]
