from django.urls import path

from . import api, mutual_api

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
        "opportunities/<int:opportunity_id>/close-plan/share-links/",
        mutual_api.ShareLinksAPI.as_view(),
        name="close-plan-share-links",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/comments/",
        mutual_api.CommentsAPI.as_view(),
        name="close-plan-comments",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/proposals/",
        mutual_api.ProposalsAPI.as_view(),
        name="close-plan-proposals",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/proposals/<int:proposal_id>/accept/",
        mutual_api.ProposalAcceptAPI.as_view(),
        name="close-plan-proposal-accept",
    ),
    path(
        "opportunities/<int:opportunity_id>/close-plan/proposals/<int:proposal_id>/decline/",
        mutual_api.ProposalDeclineAPI.as_view(),
        name="close-plan-proposal-decline",
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
