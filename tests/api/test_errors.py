"""Every error under /api/ is JSON with a stable `code`, whoever produced it
(DRF, Django's handlers, a crash), and throttled endpoints say where the caller
stands (RateLimit-* headers)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import path

from dealcoach.urls import urlpatterns as dealcoach_urlpatterns
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/test-crash/", crash),
    path("test-crash/", crash),
    *dealcoach_urlpatterns,
]
handler400 = "dealcoach.api.errors.bad_request"
handler403 = "dealcoach.api.errors.permission_denied"
handler404 = "dealcoach.api.errors.not_found"
handler500 = "dealcoach.api.errors.server_error"


def test_it_answers_an_unknown_api_url_with_json_404(alice):
    response = client_for(alice).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_it_keeps_the_error_shape_and_adds_a_code(alice):
    client = client_for(alice)
    invalid = client.post("/api/v1/accounts/", {"name": ""}, format="json")
    assert invalid.status_code == 400
    body = invalid.json()
    assert body["detail"] == "Invalid input." and body["code"] == "invalid" and "name" in body["errors"]
    assert client.get("/api/v1/accounts/999999/").json()["code"] == "not_found"
    assert client.delete("/api/v1/stages/").json()["code"] == "method_not_allowed"
    assert client_for(None).get("/api/v1/accounts/").json()["code"] == "not_authenticated"


def test_it_answers_an_api_crash_with_json_500_and_a_request_id(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/test-crash/", HTTP_X_REQUEST_ID="crash-report-0001")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert response["X-Request-ID"] == "crash-report-0001"
    assert client.get("/test-crash/")["Content-Type"].startswith("text/html")  # pages stay pages


def test_it_answers_with_rate_limit_headers(alice, settings):
    settings.DEALCOACH_API_RATE = "3/10s"
    cache.clear()
    client = client_for(alice)
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, 2, tzinfo=UTC), tick=False):
        first = client.get("/api/v1/changes/")
        assert (first["RateLimit-Limit"], first["RateLimit-Remaining"], first["RateLimit-Reset"]) == ("3", "2", "8")
        assert first["RateLimit-Policy"] == "3;w=10"
        client.get("/api/v1/changes/")
        client.get("/api/v1/changes/")
        refused = client.get("/api/v1/changes/")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert refused["RateLimit-Remaining"] == "0" and refused["Retry-After"] == "8"


def test_exports_answer_their_errors_as_json(alice, charlie_deal):
    client = client_for(alice)
    base = f"/api/v1/opportunities/{charlie_deal.pk}/close-plan"
    for export, accept in ((f"{base}/export.csv", "text/csv"), (f"{base}/export.ics", "text/calendar")):
        response = client.get(export, HTTP_ACCEPT=accept)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
