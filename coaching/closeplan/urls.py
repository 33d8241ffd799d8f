from django.urls import path

from . import public_views, views

app_name = "closeplan"

urlpatterns = [
    path("deals/<int:opportunity_id>/plan/", views.plan_page, name="plan"),
    path("deals/<int:opportunity_id>/plan/create/", views.plan_create, name="create"),
    path("deals/<int:opportunity_id>/plan/settings/", views.plan_settings, name="settings"),
    path("deals/<int:opportunity_id>/plan/milestones/add/", views.milestone_add, name="milestone_add"),
    path(
        "deals/<int:opportunity_id>/plan/milestones/<str:key>/edit/",
        views.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "deals/<int:opportunity_id>/plan/milestones/<str:key>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path(
        "deals/<int:opportunity_id>/plan/milestones/<str:key>/remove/",
        views.milestone_remove,
        name="milestone_remove",
    ),
    path("deals/<int:opportunity_id>/plan/share/", views.share_create, name="share_create"),
    path(
        "deals/<int:opportunity_id>/plan/share/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"
    ),
    path("deals/<int:opportunity_id>/plan.csv", views.plan_csv, name="csv"),
    path("deals/<int:opportunity_id>/plan.ics", views.plan_ics, name="ics"),
    path("deals/<int:opportunity_id>/plan-customer-thread.csv", views.plan_thread_csv, name="thread_csv"),
    path("deals/<int:opportunity_id>/plan/share/email/", views.share_by_email, name="share_email"),
    path(
        "deals/<int:opportunity_id>/plan/comments/<int:comment_id>/reply/",
        views.comment_reply,
        name="comment_reply",
    ),
    path(
        "deals/<int:opportunity_id>/plan/proposals/<int:proposal_id>/<str:decision>/",
        views.proposal_decide,
        name="proposal_decide",
    ),
    path("share/plan/<str:token>/", public_views.public_plan, name="public"),
    path("share/plan/<str:token>/identify/", public_views.public_identify, name="public_identify"),
    path("share/plan/<str:token>/verify/", public_views.public_verify, name="public_verify"),
    path("share/plan/<str:token>/comment/", public_views.public_comment, name="public_comment"),
    path("share/plan/<str:token>/propose/", public_views.public_propose, name="public_propose"),
    path("share/plan/<str:token>/done/", public_views.public_done, name="public_done"),
    path("share/plan/<str:token>/owner/", public_views.public_owner, name="public_owner"),
    path("share/plan/<str:token>/confirm/", public_views.public_confirm, name="public_confirm"),
    path("share/plan/<str:token>/plan.ics", public_views.public_plan_ics, name="public_ics"),
]
