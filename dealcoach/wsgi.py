import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from dealcoach.processes import prepare_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealcoach.settings.dev")
# Web requests: no statement runs longer than this (below gunicorn's --timeout, scripts/entrypoint.sh).
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "20000")
application = get_wsgi_application()


def prepare_web_process() -> None:
    """Once per web process, before it serves: load the URL conf now (Django would on
    the first request, ~0.3 s of imports a client would wait for), then freeze what
    startup loaded (dealcoach/processes.py)."""
    get_resolver().url_patterns  # noqa: B018 - loaded for its side effect
    prepare_garbage_collector()


prepare_web_process()
