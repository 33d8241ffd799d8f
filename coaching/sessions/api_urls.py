"""/api/v1/ routes for coaching sessions and commitments."""

from django.urls import path

from .api import CommitmentCloseApi, CommitmentListApi, OpportunitySessionsApi, SessionDetailApi

urlpatterns = [
    path("opportunities/<int:opportunity_id>/coaching-sessions/", OpportunitySessionsApi.as_view(),
         name="coaching-sessions"),
    path("coaching-sessions/<int:session_id>/", SessionDetailApi.as_view(), name="coaching-session-detail"),
    path("commitments/", CommitmentListApi.as_view(), name="commitments"),
    path("commitments/<int:commitment_id>/close/", CommitmentCloseApi.as_view(), name="commitment-close"),
]
