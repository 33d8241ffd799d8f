"""/api/v1/ routes of the sync plumbing."""

from django.urls import path

from . import api

app_name = "sync_api"

urlpatterns = [
    path("changes/", api.ChangesView.as_view(), name="changes"),
    path("webhooks/", api.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", api.WebhookDetailView.as_view(), name="webhook"),
    path("webhooks/<int:pk>/deliveries/", api.WebhookDeliveriesView.as_view(), name="webhook_deliveries"),
]
