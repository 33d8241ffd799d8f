"""The Celery app. Configuration comes from Django settings (CELERY_* names);
the beat schedule is declared here, in one place, by task name (so a task can
be scheduled before the app that implements it lands)."""

import logging.config
import os

import structlog
from celery import Celery
from celery.schedules import crontab
from celery.signals import (
    after_task_publish,
    before_task_publish,
    celeryd_init,
    setup_logging,
    worker_process_init,
)
from django.dispatch import receiver
from django_structlog.celery import signals as task_log_signals
from django_structlog.celery.steps import DjangoStructLogInitStep

from dealcoach.processes import prepare_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealcoach.settings.dev")

app = Celery("dealcoach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class TaskLogContextStep(DjangoStructLogInitStep):
    """django-structlog in the worker: each task's lines carry `task_id` (and `parent_task_id`)
    and the `request_id` / `user_id` of the request that queued it. Its app config
    (DJANGO_STRUCTLOG_CELERY_ENABLED) has already connected the publishing side in every
    process; the step's second pair would log each `task_enqueued` of a task twice."""

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        before_task_publish.disconnect(self.receiver.receiver_before_task_publish)
        after_task_publish.disconnect(self.receiver.receiver_after_task_publish)


app.steps["worker"].add(TaskLogContextStep)


@setup_logging.connect
def configure_logging(*, loglevel=None, **kwargs) -> None:
    """Worker and beat log through Django's LOGGING, like the web processes:
    JSON lines in production, readable lines in development (dealcoach/ops/logging.py),
    instead of Celery's own plain-text handler. Connecting this signal is what
    tells Celery to leave logging alone; `--loglevel` still sets Celery's own loggers.
    Python warnings become log lines too."""
    from django.conf import settings

    config = {**settings.LOGGING, "loggers": dict(settings.LOGGING.get("loggers", {}))}
    if loglevel:
        config["loggers"]["celery"] = {"level": loglevel}
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


# The worker warns (running as root, ...) before it sets up logging: configure it that early too.
celeryd_init.connect(configure_logging)


@receiver(task_log_signals.bind_extra_task_metadata)
def bind_task_name(sender, task=None, **kwargs) -> None:
    """The task's name on every line it logs, next to the `task_id` django-structlog binds."""
    structlog.contextvars.bind_contextvars(task=task.name)


@worker_process_init.connect
def prepare_worker_process(**kwargs) -> None:
    """Each pool process, once forked with the app loaded: freeze what startup loaded
    (dealcoach/processes.py), as web processes do (dealcoach/wsgi.py)."""
    prepare_garbage_collector()

HOUR = 60 * 60
DAY = 24 * HOUR

# Times are CELERY_TIMEZONE (= TIME_ZONE). Order matters: rescore, then sweep
# flags, then the snapshot and the digests that read both. `expires` drops a
# run the worker could not start in time instead of running it late twice.
app.conf.beat_schedule = {
    "rsvp-rescore-all-nightly": {
        "task": "coaching.rsvp.tasks.rescore_all",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 20 * HOUR},
    },
    "stale-sweep-daily": {
        "task": "coaching.stale.tasks.sweep_stale_deals",
        "schedule": crontab(hour=4, minute=0),
        "options": {"expires": 20 * HOUR},
    },
    # The guarantee: from DEALCOACH_SWEEP_DUE_HOUR on, start the day's sweep if none completed.
    "stale-sweep-guarantee-hourly": {
        "task": "coaching.stale.tasks.ensure_daily_sweep",
        "schedule": crontab(minute=40),
        "options": {"expires": 30 * 60},
    },
    "review-pipeline-snapshot-weekly": {
        "task": "coaching.review.tasks.pipeline_snapshot_take",
        "schedule": crontab(day_of_week="mon", hour=5, minute=0),
        "options": {"expires": DAY},
    },
    "stale-owner-digest-daily": {
        "task": "coaching.stale.tasks.send_flag_digests",
        "schedule": crontab(hour=6, minute=30),
        "options": {"expires": 20 * HOUR},
    },
    "sessions-overdue-commitments-daily": {
        "task": "coaching.sessions.tasks.send_overdue_commitment_digests",
        "schedule": crontab(hour=6, minute=45),
        "options": {"expires": 20 * HOUR},
    },
    "review-weekly-digest-monday": {
        "task": "coaching.review.tasks.send_weekly_review_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
        "options": {"expires": DAY},
    },
    # Webhook outbox: sends whatever the on-commit nudge missed (e.g. Redis was down).
    "sync-deliver-webhooks-every-minute": {
        "task": "sync.tasks.deliver_webhooks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "sync-cleanup-hourly": {
        "task": "sync.tasks.sync_cleanup",
        "schedule": crontab(minute=17),
        "options": {"expires": HOUR},
    },
}
