"""The transactional outbox: written with the change, published after commit,
kept while the broker is down, consumed once."""

import time

import pytest
from celery import current_app
from django.core.management import call_command
from django.db import transaction

from dealcoach.outbox.models import OutboxMessage
from dealcoach.outbox.services import outbox_consume, outbox_enqueue, outbox_relay
from tests.reliability.probe_tasks import PROBE_TASK, probe_runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Celery configured for a real broker that refuses connections."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")  # Celery reads it before its conf
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:9/0"
    yield
    conf.task_always_eager, conf.broker_url = saved


def test_it_writes_nothing_when_the_change_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task=PROBE_TASK, kwargs={"marker": 1})
        raise RuntimeError("the save failed")
    assert not OutboxMessage.objects.exists()


def test_it_runs_the_task_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = outbox_enqueue(task=PROBE_TASK, kwargs={"marker": 7})
        assert probe_runs() == {}
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.dispatched_at is not None and message.consumed_at is not None
    assert probe_runs() == {7: 1}


def test_it_runs_a_message_once_however_often_it_is_delivered():
    message = OutboxMessage.objects.create(task=PROBE_TASK, kwargs={"marker": 3})
    assert outbox_consume(message_id=message.pk) is True
    assert outbox_consume(message_id=message.pk) is False
    assert probe_runs() == {3: 1}


def test_it_runs_a_failed_message_again():
    message = OutboxMessage.objects.create(task=PROBE_TASK, kwargs={"marker": 4, "fail": True})
    with pytest.raises(RuntimeError):
        outbox_consume(message_id=message.pk)
    message.refresh_from_db()
    assert message.consumed_at is None and probe_runs() == {}
    OutboxMessage.objects.filter(pk=message.pk).update(kwargs={"marker": 4})
    assert outbox_consume(message_id=message.pk) is True
    assert probe_runs() == {4: 1}


def test_it_keeps_messages_and_answers_fast_while_the_broker_is_down(broker_down, django_capture_on_commit_callbacks):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task=PROBE_TASK, kwargs={"marker": 5})
    assert time.monotonic() - started < 2
    message.refresh_from_db()
    assert message.dispatched_at is None and message.attempts == 1 and "Connection refused" in message.last_error
    with pytest.raises(Exception, match="refused"):
        outbox_relay()


def test_it_relays_pending_messages_when_the_broker_is_back(broker_down):
    OutboxMessage.objects.create(task=PROBE_TASK, kwargs={"marker": 1})
    OutboxMessage.objects.create(task=PROBE_TASK, kwargs={"marker": 2})
    current_app.conf.task_always_eager = True  # the broker is back (eager: published = run)
    call_command("relay_outbox", "--once")
    assert probe_runs() == {1: 1, 2: 1}
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
    call_command("relay_outbox", "--once")
    assert probe_runs() == {1: 1, 2: 1}
