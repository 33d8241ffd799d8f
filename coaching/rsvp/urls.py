"""Browser routes for RSVP coaching."""

from django.urls import path

from . import views

app_name = "rsvp"

urlpatterns = [
    path("deals/<int:opportunity_id>/coaching/answers/", views.answers, name="answers"),
]
