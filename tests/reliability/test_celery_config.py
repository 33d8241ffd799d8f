"""Celery is configured for reliability, and the beat schedule is sound."""

from celery import current_app


def test_it_acknowledges_late_and_requeues_when_a_worker_dies():
    conf = current_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]


def test_it_keeps_the_visibility_timeout_longer_than_any_task():
    conf = current_app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    limits = [conf.task_time_limit] + [
        task.time_limit for task in current_app.tasks.values() if getattr(task, "time_limit", None)
    ]
    assert visibility > max(limits)


def test_it_schedules_only_registered_tasks_with_an_expiry():
    current_app.loader.import_default_modules()
    for name, entry in current_app.conf.beat_schedule.items():
        assert entry["task"] in current_app.tasks, name
        assert entry.get("options", {}).get("expires"), f"{name} would pile up while no worker runs"


def test_it_registers_the_outbox_consumer():
    current_app.loader.import_default_modules()
    assert "outbox.deliver" in current_app.tasks


def test_it_reconnects_to_the_broker_for_ever():
    conf = current_app.conf
    assert conf.broker_connection_retry is True and conf.broker_connection_retry_on_startup is True
    assert conf.broker_connection_max_retries is None
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    options = conf.broker_transport_options
    assert options["socket_timeout"] and options["socket_connect_timeout"] and options["retry_on_timeout"]
