"""Finding 4 of issue 18: a frozen Redis hung a bulk upsert of more than 200
deals (the rescoring was queued with `.delay()`, no socket timeout). Every
enqueue from a request now goes through the outbox (`outbox_enqueue`): a short
broker timeout, and the relay publishes what the request could not."""

import os
import re
import signal
import threading
from pathlib import Path

import pytest
from celery import current_app
from django.db import connection

from coaching.rsvp.receivers import SYNC_RESCORE_LIMIT
from dealcoach.outbox.models import OutboxMessage
from dealcoach.outbox.services import outbox_relay
from tests.api.conftest import client_for
from tests.factories import AccountFactory
from tests.reliability.shape import ROOT, Processes, free_port, start_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("migration_rows"), pytest.mark.timeout(120)]

# The bound is 2 s of waiting on Redis; the request also writes 201 deals, on a busy machine.
REQUEST_DEADLINE_SECONDS = 6


def test_a_bulk_upsert_answers_while_redis_is_frozen_and_the_rescoring_waits_in_the_outbox(
        tmp_path, monkeypatch, alice):
    monkeypatch.setattr("dealcoach.outbox.services._broker_down_until", 0.0)
    processes = Processes(tmp_path)
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", broker)  # Celery reads it before its conf
    conf.task_always_eager, conf.broker_url = False, broker
    AccountFactory(owner=alice, external_id="ACC-FROZEN")
    items = [{"external_id": f"FROZEN-{n}", "account_external_id": "ACC-FROZEN", "name": f"Deal {n}",
              "stage": "qualify"} for n in range(SYNC_RESCORE_LIMIT + 1)]
    answers = []
    try:
        start_redis(processes, port)
        redis = processes.procs["redis"]
        os.kill(redis.pid, signal.SIGSTOP)  # frozen: accepts connections, never answers
        api = client_for(alice)

        def upsert():
            try:
                answers.append(api.post("/api/v1/opportunities/bulk-upsert/", {"items": items}, format="json"))
            finally:
                connection.close()  # this thread's own: left open, it outlives the test database

        request = threading.Thread(target=upsert)
        request.start()
        request.join(timeout=REQUEST_DEADLINE_SECONDS)
        assert not request.is_alive(), "the request waited on the frozen Redis"
        assert answers[0].status_code == 200, answers[0].content[:500]
        queued = OutboxMessage.objects.get(task="coaching.rsvp.tasks.rescore_deals")
        assert queued.dispatched_at is None and len(queued.kwargs["opportunity_ids"]) == len(items)

        os.kill(redis.pid, signal.SIGCONT)  # Redis is back: the relay publishes it
        assert outbox_relay() >= 1
        queued.refresh_from_db()
        assert queued.dispatched_at is not None
    finally:
        if "redis" in processes.procs:
            os.kill(processes.procs["redis"].pid, signal.SIGCONT)
        processes.stop_all()
        conf.task_always_eager, conf.broker_url = saved


ENQUEUE = re.compile(r"\.(delay|apply_async|send_task)\(")
# Modules that may talk to the broker directly: the outbox itself, and tasks run by the worker.
BROKER_CLIENTS = {"dealcoach/outbox/services.py"}


def test_nothing_outside_the_outbox_and_the_worker_enqueues_directly():
    offenders = []
    for path in ROOT.glob("**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or relative in BROKER_CLIENTS:
            continue
        if relative.endswith("tasks.py"):  # runs in the worker, not in a request
            continue
        if ENQUEUE.search(Path(path).read_text()):
            offenders.append(relative)
    assert offenders == [], f"enqueue through dealcoach.outbox.services.outbox_enqueue instead: {offenders}"
