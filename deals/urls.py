from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("deals/", views.my_deals, name="my_deals"),
    path("deals/new/", views.quick_add, name="quick_add"),
    path("deals/new/people/", views.stakeholder_options, name="stakeholder_options"),
    path("deals/<int:pk>/", views.detail, name="detail"),
    path("deals/<int:pk>/edit/", views.edit, name="edit"),
    path("deals/<int:pk>/sections/<slug:name>/", views.section, name="section"),
    path("deals/<int:pk>/activities/", views.log_activity, name="log_activity"),
    path("deals/<int:pk>/roles/", views.role_add, name="role_add"),
    path("deals/<int:pk>/roles/<int:role_id>/", views.role_edit, name="role_edit"),
    path("deals/<int:pk>/roles/<int:role_id>/remove/", views.role_remove, name="role_remove"),
]
