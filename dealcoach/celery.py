"""The Celery app. Configuration comes from Django settings (CELERY_* names);
the beat schedule is declared here, in one place, by task name (so a task can
be scheduled before the app that implements it lands)."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

from dealcoach.processes import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealcoach.settings.dev")

app = Celery("dealcoach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def prepare_worker_process(**kwargs) -> None:
    """Each pool process, once forked with the app loaded: freeze what startup loaded
    (dealcoach/processes.py), as web processes do (dealcoach/wsgi.py)."""
    freeze_startup_objects()

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
