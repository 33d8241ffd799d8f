"""Request ids, structured logs and the metrics endpoint."""

import io
import json
import logging
import re
from unittest import mock

import pytest
import structlog
from celery import current_app
from django.core.cache import cache
from django.test import override_settings
from kombu import Connection

from dealcoach.ops.logging import logging_config
from dealcoach.ops.metrics import task_outcome_record
from dealcoach.ops.requestid import request_id_from
from tests.reliability.probe_tasks import PROBE_TASK
from tests.reliability.shape import Processes, free_port, process_env, start_redis, wait_for

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


SHUTDOWN_NOTICE = re.compile(r"^worker: (Warm|Cold) shutdown")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_rows")
@pytest.mark.timeout(120)
def test_worker_and_beat_log_json_lines_and_a_task_carries_the_request_id_that_queued_it(tmp_path):
    processes = Processes(tmp_path)
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = process_env(CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url, WORKER_CONCURRENCY="1",
                      CELERY_LOG_LEVEL="info", BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"))
    env.pop("LOG_FORMAT", None)  # production's default
    structlog.contextvars.bind_contextvars(request_id="web-request-4f2a")  # as a request that queues work
    eager, current_app.conf.task_always_eager = current_app.conf.task_always_eager, False  # publish for real

    def log_lines(name):
        text = (tmp_path / f"{name}.log").read_text(errors="replace") if (tmp_path / f"{name}.log").exists() else ""
        return text.splitlines()

    def succeeded():
        return next((line for line in log_lines("worker") if '"task_succeeded"' in line), None)

    try:
        start_redis(processes, port)
        processes.start("worker", ["bash", "scripts/entrypoint.sh", "worker", "-I", "tests.reliability.probe_tasks"],
                        env)
        processes.start("beat", ["bash", "scripts/entrypoint.sh", "beat"], env)
        with Connection(redis_url, connect_timeout=2) as conn:
            sent = current_app.send_task(PROBE_TASK, kwargs={"marker": 1}, producer=current_app.amqp.Producer(conn),
                                         retry=False)
        wait_for(succeeded, timeout=60, what="the probe task's task_succeeded line")
        wait_for(lambda: any("beat: Starting" in line for line in log_lines("beat")), timeout=30,
                 what="beat's start line")
    except AssertionError:
        raise AssertionError(f"worker:\n{processes.log('worker')}\nbeat:\n{processes.log('beat')}") from None
    finally:
        current_app.conf.task_always_eager = eager
        structlog.contextvars.clear_contextvars()
        processes.stop_all()

    logged = {}
    for name in ("worker", "beat"):
        # Celery's signal handler prints its shutdown notice straight to stdout, past logging.
        lines = [line for line in log_lines(name) if line.strip() and not SHUTDOWN_NOTICE.match(line)]
        assert lines and all(line.startswith("{") for line in lines), "\n".join(lines[:20])
        logged[name] = [json.loads(line) for line in lines]
    assert any(line["event"].startswith("beat: Starting") for line in logged["beat"])
    task_lines = [line for line in logged["worker"] if line.get("task_id") == sent.id]
    assert {line["event"] for line in task_lines} >= {"task_started", "task_succeeded"}
    for line in task_lines:
        assert line["task_id"] == sent.id and line["task"] == PROBE_TASK
        assert line["request_id"] == "web-request-4f2a"


def test_the_worker_step_leaves_one_receiver_per_publish_signal():
    """The app config connected the publishing side; the worker step adds the task side only."""
    from celery import signals
    from django_structlog.celery.receivers import CeleryReceiver

    from dealcoach.celery import TaskLogContextStep

    publishing = (signals.before_task_publish, signals.after_task_publish)
    before = [len(signal.receivers) for signal in publishing]
    step = TaskLogContextStep(mock.Mock())
    try:
        assert [len(signal.receivers) for signal in publishing] == before
        assert signals.task_prerun.has_listeners()
    finally:  # this process runs tasks eagerly: leave it as it was
        for name in dir(CeleryReceiver):
            if name.startswith("receiver_"):
                for signal in vars(signals).values():
                    if isinstance(signal, signals.Signal):
                        signal.disconnect(getattr(step.receiver, name))
