from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .ops import health, metrics

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", health.liveness, name="healthz"),
    path("readyz/", health.readiness, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # Pages without a <link rel="icon"> (admin, printouts) make browsers ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # Swagger UI comes from its CDN and carries a small <style>; only this page allows them.
        csp_update({
            "script-src": ["https://cdn.jsdelivr.net"],
            "style-src": ["https://cdn.jsdelivr.net", "'unsafe-inline'"],
            "img-src": ["https://cdn.jsdelivr.net"],
        })(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/v1/", include("dealcoach.api.urls")),
    path("", include("accounts.urls")),
    path("", include("deals.urls")),
    path("", include("coaching.rsvp.urls")),
    path("", include("coaching.closeplan.urls")),
    path("", include("coaching.stale.urls")),
    path("", include("coaching.review.urls")),
    path("", include("coaching.sessions.urls")),
    path("", include("coaching.insights.urls")),
    path("", include("sync.urls")),
]

# JSON under /api/, the usual pages elsewhere (dealcoach/api/errors.py).
handler400 = "dealcoach.api.errors.bad_request"
handler403 = "dealcoach.api.errors.permission_denied"
handler404 = "dealcoach.api.errors.not_found"
handler500 = "dealcoach.api.errors.server_error"
