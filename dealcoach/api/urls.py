"""Everything under /api/v1/: each app contributes its own api_urls."""

from django.urls import include, path

urlpatterns = [
    path("", include("sync.resources.urls")),
    path("", include("coaching.rsvp.api_urls")),
    path("", include("coaching.closeplan.api_urls")),
    path("", include("coaching.stale.api_urls")),
    path("", include("coaching.review.api_urls")),
    path("", include("coaching.sessions.api_urls")),
    path("", include("coaching.insights.api_urls")),
    path("", include("dealcoach.audit.api_urls")),
    path("", include("sync.api_urls")),
    path("", include("dealcoach.rates.api_urls")),
]
