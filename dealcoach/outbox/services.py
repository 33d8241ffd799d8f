"""Transactional outbox.

Writers call `outbox_enqueue(task=..., kwargs=...)` inside the transaction of
their database change (services are `@transaction.atomic`). The row commits or
rolls back with the change. After commit the message is published straight
away with a short broker timeout; if Redis is down the save still succeeds
(the failure is logged) and `python manage.py relay_outbox` publishes it when
Redis is back.

Consumers are idempotent: the broker carries only the message id
(`outbox.deliver`), and `outbox_consume` claims the message with a conditional
UPDATE in the same transaction as the task's writes. A message published
twice (a relay that died between publish and bookkeeping, a redelivery after a
worker was killed) has its effect once."""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu import Connection

from .models import OutboxMessage

logger = logging.getLogger("dealcoach.outbox")

DELIVER_TASK = "outbox.deliver"
# A save must never wait on the broker for long: connect and I/O give up after this.
PUBLISH_TIMEOUT_SECONDS = 1.0


def outbox_enqueue(*, task: str, kwargs: dict[str, Any] | None = None) -> OutboxMessage:
    """Queue `task(**kwargs)` to run after the current transaction commits.
    Call inside the transaction of the change the task follows from. `kwargs`
    must be JSON (ids, ISO dates), as for any Celery task."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs or {})
    transaction.on_commit(lambda: outbox_publish_quietly(ids=[message.pk]))
    return message


def _publish_connection() -> Connection:
    conf = current_app.conf
    options = dict(conf.broker_transport_options or {})
    options.update(socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS, socket_timeout=PUBLISH_TIMEOUT_SECONDS,
                   max_retries=0)
    return Connection(conf.broker_url, connect_timeout=PUBLISH_TIMEOUT_SECONDS, transport_options=options)


def _publish(messages: list[OutboxMessage]) -> list[int]:
    """Publish `messages` in order; stop at the first broker failure. Returns the published ids."""
    # By name (registered in OutboxConfig.ready()): tasks.py imports this module.
    outbox_deliver = current_app.tasks[DELIVER_TASK]
    published: list[int] = []
    if current_app.conf.task_always_eager:
        for message in messages:
            outbox_deliver.apply(kwargs={"message_id": message.pk}, task_id=f"outbox-{message.pk}")
            published.append(message.pk)
        return published
    reused = _kept_producer_for_this_broker() is not None
    started = time.monotonic()
    try:
        _publish_with(_producer(), messages, published)
    except Exception:
        _forget_kept_producer()
        # A kept connection that fails at once (Redis restarted since it was opened) is retried
        # once on a new one; a slow failure (a frozen broker: the socket timeout) is not waited out twice.
        if not reused or time.monotonic() - started > PUBLISH_TIMEOUT_SECONDS / 2:
            raise
        _publish_with(_producer(), messages[len(published):], published)
    return published


def _publish_with(producer, messages: list[OutboxMessage], published: list[int]) -> None:
    outbox_deliver = current_app.tasks[DELIVER_TASK]
    for message in messages:
        outbox_deliver.apply_async(
            kwargs={"message_id": message.pk}, task_id=f"outbox-{message.pk}", producer=producer, retry=False,
        )
        published.append(message.pk)


# The publishing connection is kept between publishes, one per process, thread and broker URL (as
# Celery's own producer pool keeps its connections): connecting and declaring the queue again for
# every saved change cost ~8 ms of each 1,000-row bulk upsert (bench/NOTES.md). It keeps the short
# timeouts; after any failure it is dropped and the next publish connects again.
_kept = threading.local()


def _kept_producer_for_this_broker():
    kept = getattr(_kept, "producer", None)
    if kept is not None and kept[0] == (os.getpid(), current_app.conf.broker_url):
        return kept[1]
    return None


def _producer():
    producer = _kept_producer_for_this_broker()
    if producer is not None:
        return producer
    _forget_kept_producer()
    connection = _publish_connection()
    try:
        # Connect first: a publish on a lazily-connected channel can appear to
        # succeed while the broker is down, and the message would be marked sent.
        connection.ensure_connection(max_retries=0)
        producer = current_app.amqp.Producer(connection, auto_declare=True)
    except Exception:
        connection.release()
        raise
    _kept.producer = ((os.getpid(), current_app.conf.broker_url), producer)
    return producer


def _forget_kept_producer() -> None:
    kept, _kept.producer = getattr(_kept, "producer", None), None
    if kept is not None and kept[0][0] == os.getpid():  # never close a parent process's socket
        try:
            kept[1].connection.release()
        except Exception:  # noqa: BLE001 - a broken connection is being dropped anyway
            logger.debug("outbox: closing a broken broker connection failed", exc_info=True)


def outbox_relay(*, ids: Iterable[int] | None = None, limit: int = 200) -> int:
    """Publish undispatched messages (all, or only `ids`), oldest first. Rows
    being published by another relay are skipped (SKIP LOCKED), so relays and
    the after-commit publisher never send a message at the same moment.
    Returns how many were published; raises the broker error if none could be."""
    error: Exception | None = None
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(dispatched_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=list(ids))
        batch = list(pending.order_by("id")[:limit])
        if not batch:
            return 0
        published: list[int] = []
        try:
            published = _publish(batch)
        except Exception as exc:  # any broker failure: keep the rows for the next round
            error = exc
        if published:
            OutboxMessage.objects.filter(pk__in=published).update(dispatched_at=timezone.now())
        if error is not None:
            failed = [m.pk for m in batch if m.pk not in set(published)]
            OutboxMessage.objects.filter(pk__in=failed).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
            )
    if error is not None and not published:
        raise error
    return len(published)


# After a failed publish, requests stop trying the broker for a while (per
# process): during an outage each save would otherwise wait out the connect
# timeout again. The relay keeps retrying and publishes what they left.
BROKER_DOWN_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0


def outbox_publish_quietly(*, ids: Iterable[int]) -> int:
    """The after-commit publisher: never raises into the request that saved."""
    global _broker_down_until
    ids = list(ids)
    if time.monotonic() < _broker_down_until and not current_app.conf.task_always_eager:
        logger.info("outbox: broker recently unavailable, %s left for the relay", ids)
        return 0
    try:
        return outbox_relay(ids=ids)
    except Exception as exc:
        _broker_down_until = time.monotonic() + BROKER_DOWN_BACKOFF_SECONDS
        logger.warning("outbox: broker unavailable, %s left for the relay: %s", ids, exc)
        return 0


def outbox_consume(*, message_id: int) -> bool:
    """Run the message's task once. Returns False when it had already run.

    The claim (consumed_at) and the task's writes commit together: if the task
    fails or the worker dies, both roll back and a redelivery runs it again; a
    concurrent duplicate waits on the row lock and then finds it consumed."""
    with transaction.atomic():
        claimed = OutboxMessage.objects.filter(pk=message_id, consumed_at__isnull=True).update(
            consumed_at=timezone.now()
        )
        if not claimed:
            return False
        message = OutboxMessage.objects.get(pk=message_id)
        if message.task not in current_app.tasks:
            # Task names are their dotted paths: import the module that registers it.
            importlib.import_module(message.task.rsplit(".", 1)[0])
        task = current_app.tasks[message.task]
        task(**message.kwargs)
        return True


def outbox_prune(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget consumed messages older than `older_than`."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxMessage.objects.filter(consumed_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted
