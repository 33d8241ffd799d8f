"""Request ids, structured logs and the metrics endpoint."""

import io
import json
import logging

import pytest
from django.core.cache import cache
from django.test import override_settings

from dealcoach.ops.logging import logging_config
from dealcoach.ops.metrics import task_outcome_record
from dealcoach.ops.requestid import request_id_from

pytestmark = pytest.mark.django_db


def test_it_keeps_a_sane_request_id_and_replaces_anything_else():
    assert request_id_from("lb-7f3a9c21") == "lb-7f3a9c21"
    for forged in (None, "", "short", "x" * 200, "id\nlevel=error fake=line"):
        replaced = request_id_from(forged)
        assert replaced != forged and len(replaced) == 36


def test_every_response_carries_a_request_id(client):
    generated = client.get("/login/")["X-Request-ID"]
    assert len(generated) == 36
    assert client.get("/login/", HTTP_X_REQUEST_ID="upstream-123456")["X-Request-ID"] == "upstream-123456"
    assert client.get("/api/v1/accounts/", HTTP_X_REQUEST_ID="upstream-654321")["X-Request-ID"] == "upstream-654321"


@pytest.fixture
def json_log_lines():
    """Capture what the production (JSON) formatter writes for the request logger."""
    config = logging_config(json=True, level="INFO", app_level="INFO")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_spec = dict(config["formatters"]["structured"])
    factory = formatter_spec.pop("()")
    handler.setFormatter(factory(**formatter_spec))
    logger = logging.getLogger("django_structlog")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_a_request_logs_json_lines_with_its_request_id_user_and_route(client, alice, json_log_lines):
    client.force_login(alice)
    client.get(f"/api/v1/accounts/{alice.pk}/", HTTP_X_REQUEST_ID="trace-abcdef12")
    lines = json_log_lines()
    finished = next(line for line in lines if line["event"] == "request_finished")
    assert finished["request_id"] == "trace-abcdef12"
    assert finished["user_id"] == alice.pk
    assert finished["route"] == "/api/v1/accounts/(?P<pk>[^/]+)/$"  # the pattern, not the id
    assert finished["code"] == 404 and finished["level"] == "warning"
    assert all(line["request_id"] == "trace-abcdef12" for line in lines)


@override_settings(METRICS_TOKEN="scrape-token-for-tests", METRICS_ALLOWED_NETWORKS=[])
def test_metrics_refuse_an_anonymous_caller(client):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@override_settings(METRICS_TOKEN="scrape-token-for-tests")
def test_metrics_show_requests_queries_tasks_and_backlogs(client):
    cache.clear()  # task outcomes counted by earlier tests' eager tasks
    client.get("/login/")
    task_outcome_record(task="coaching.stale.tasks.sweep_stale_deals", outcome="succeeded")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total{method=\"GET\"}" in text
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert "django_db_execute_total" in text
    assert 'dealcoach_celery_tasks_total{outcome="succeeded",task="coaching.stale.tasks.sweep_stale_deals"} 1.0' in text
    assert "dealcoach_outbox_backlog 0.0" in text


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=["127.0.0.0/8"])
def test_metrics_answer_an_allowed_network(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
