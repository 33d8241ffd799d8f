from django.urls import path

from . import api

urlpatterns = [
    path("opportunities/<int:opportunity_id>/close-plan/", api.ClosePlanAPI.as_view(), name="close-plan"),
    path(
        "opportunities/<int:opportunity_id>/close-plan/milestones/",
        api.MilestonesAPI.as_view(),
        name="close-plan-milestones",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/milestones/<str:key>/",
        api.MilestoneAPI.as_view(),
        name="close-plan-milestone",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/export.csv",
        api.ClosePlanCSVAPI.as_view(),
        name="close-plan-csv",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/export.ics",
        api.ClosePlanICSAPI.as_view(),
        name="close-plan-ics",
    ),
]
