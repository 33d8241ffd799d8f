"""The Celery app. Configuration comes from Django settings (CELERY_* names);
the beat schedule is declared in one place: dealcoach/schedule.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealcoach.settings.dev")

app = Celery("dealcoach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
