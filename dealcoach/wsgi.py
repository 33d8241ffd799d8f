import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealcoach.settings.dev")
application = get_wsgi_application()


def prepare_web_process() -> None:
    """Once per web process, before it serves: load the URL conf now (Django would on
    the first request, ~0.3 s of imports a client would wait for) and then move every
    object loaded so far out of the garbage collector's sight (`gc.freeze`). Those
    objects live as long as the process; without the freeze each full collection
    walks all of them again — a 1,000-row API upsert, which allocates enough to
    trigger one every few requests, paid ~40 ms for it (bench/NOTES.md)."""
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    gc.collect()
    gc.freeze()


prepare_web_process()
