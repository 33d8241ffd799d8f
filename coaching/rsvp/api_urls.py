"""/api/v1/ routes for RSVP coaching."""

from django.urls import path

from .api import CoachingAnswersApi, CoachingApi

urlpatterns = [
    path("opportunities/<int:opportunity_id>/coaching/", CoachingApi.as_view(), name="rsvp-coaching"),
    path(
        "opportunities/<int:opportunity_id>/coaching/answers/",
        CoachingAnswersApi.as_view(),
        name="rsvp-coaching-answers",
    ),
]
