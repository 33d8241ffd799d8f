from django.urls import path

from . import views

app_name = "stale"

urlpatterns = [
    path("flags/<int:flag_id>/snooze/", views.flag_snooze, name="snooze"),
    path("flags/<int:flag_id>/unsnooze/", views.flag_unsnooze, name="unsnooze"),
]
