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
    path("share/plan/<str:token>/", public_views.public_plan, name="public"),
    path("share/plan/<str:token>/plan.ics", public_views.public_plan_ics, name="public_ics"),
]
