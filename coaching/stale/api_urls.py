from django.urls import path

from . import api

urlpatterns = [
    path("flags/", api.FlagListAPI.as_view(), name="flag-list"),
    path("flags/<int:flag_id>/", api.FlagDetailAPI.as_view(), name="flag-detail"),
    path("flags/<int:flag_id>/snooze/", api.FlagSnoozeAPI.as_view(), name="flag-snooze"),
]
