"""Browser routes of the sync plumbing."""

from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<int:upload_id>/run/", views.import_run, name="import_run"),
]
